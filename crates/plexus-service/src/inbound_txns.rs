//! Answers to other servers' `/send` transactions, kept for a day so a
//! retried transaction ID gets the same answer without being processed
//! again (a sender retries within minutes; a day is ample).

use plexus_core::time::now_millis;
use plexus_storage::{Direction, Json};
use serde_json::{json, Value};

use crate::{tables::FederationTxns, Result, Services};

/// How long an answer is kept, in milliseconds.
const RETENTION_MS: u64 = 24 * 60 * 60 * 1000;

impl Services {
    /// Our earlier answer to `origin`'s transaction `txn_id`, if any.
    pub fn txn_answer(&self, origin: &str, txn_id: &str) -> Result<Option<Value>> {
        let key = (origin.to_owned(), txn_id.to_owned());
        Ok(self
            .db
            .get::<FederationTxns>(&key)?
            .map(|Json(stored)| stored["answer"].clone()))
    }

    /// Remembers the answer to `origin`'s transaction `txn_id`.
    pub fn remember_txn_answer(&self, origin: &str, txn_id: &str, answer: &Value) -> Result<()> {
        let key = (origin.to_owned(), txn_id.to_owned());
        let stored = json!({ "answer": answer, "at": now_millis() });
        Ok(self.db.put::<FederationTxns>(&key, &Json(stored))?)
    }

    /// Forgets answers older than a day; returns how many.
    pub fn prune_txn_answers(&self) -> Result<usize> {
        let cutoff = now_millis().saturating_sub(RETENTION_MS);
        let mut batch = self.db.batch();
        let mut pruned = 0;
        for row in self.db.scan::<FederationTxns, _>(&(), Direction::Forward)? {
            let (key, Json(stored)) = row?;
            if stored["at"].as_u64().unwrap_or(0) < cutoff {
                batch.delete::<FederationTxns>(&key)?;
                pruned += 1;
            }
        }
        self.db.write(batch)?;
        Ok(pruned)
    }
}

#[cfg(test)]
mod tests {
    use plexus_core::Config;
    use plexus_storage::Json;
    use serde_json::json;

    use crate::{tables::FederationTxns, Services};

    #[test]
    fn answers_are_remembered_and_old_ones_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().to_owned(),
            ..Config::default()
        };
        let services = Services::open(config).unwrap();
        let answer = json!({"pdus": {"$a": {}}});
        services
            .remember_txn_answer("remote", "t1", &answer)
            .unwrap();
        let old = json!({"answer": {"pdus": {}}, "at": 1});
        let key = ("remote".to_owned(), "t0".to_owned());
        services.db.put::<FederationTxns>(&key, &Json(old)).unwrap();
        assert_eq!(services.prune_txn_answers().unwrap(), 1);
        assert_eq!(services.txn_answer("remote", "t1").unwrap(), Some(answer));
        assert_eq!(services.txn_answer("remote", "t0").unwrap(), None);
    }
}
