#!/usr/bin/env python3
"""Replace the text between <!-- bench:begin --> and <!-- bench:end --> in a markdown
file with the contents of another file (appending the section if it is missing).

usage: update_doc.py DOC SUMMARY [MARK]   (MARK names the markers, default "bench":
<!-- MARK:begin --> … <!-- MARK:end -->)
"""
import sys

MARK = sys.argv[3] if len(sys.argv) > 3 else "bench"
BEGIN, END = f"<!-- {MARK}:begin -->", f"<!-- {MARK}:end -->"
HEADING = "## Side by side with Synapse (plexus-load)"


def main():
    doc_path, summary_path = sys.argv[1], sys.argv[2]
    with open(summary_path) as f:
        summary = f.read().strip()
    try:
        with open(doc_path) as f:
            doc = f.read()
    except FileNotFoundError:
        doc = "# Performance\n"
    block = f"{BEGIN}\n{summary}\n{END}"
    if BEGIN in doc and END in doc:
        head, rest = doc.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        doc = head + block + tail
    else:
        doc = doc.rstrip("\n") + f"\n\n{HEADING}\n\n{block}\n"
    with open(doc_path, "w") as f:
        f.write(doc)


if __name__ == "__main__":
    main()
