//! Harness for the black-box suite (see tests/).
