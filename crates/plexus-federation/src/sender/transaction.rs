//! One `PUT /_matrix/federation/v1/send/{txnId}`: the PDUs as their stored
//! signed JSON, the EDUs as queued, and what the answer means for the queue.

use http::Method;
use plexus_core::time::now_millis;
use plexus_service::{outbox::Transaction, tables::Events};
use serde_json::{json, Value};

use super::Sender;
use crate::ClientError;

/// What to do with the items after an attempt.
#[derive(Debug)]
pub(super) enum Outcome {
    /// 200: acknowledge them.
    Delivered,
    /// The peer refuses this transaction for good: drop it rather than block the queue.
    Refused(String),
    /// Try again later.
    Retry(String),
}

impl Sender {
    pub(super) async fn send_transaction(&self, destination: &str, txn: &Transaction) -> Outcome {
        let body = match self.transaction_body(txn) {
            Ok(body) => body,
            Err(e) => return Outcome::Retry(format!("reading queued events: {e}")),
        };
        let path = format!("/_matrix/federation/v1/send/{}", txn.txn_id());
        match self
            .client
            .send(destination, Method::PUT, &path, Some(&body))
            .await
        {
            Ok(answer) => {
                log_pdu_errors(destination, &answer);
                Outcome::Delivered
            }
            Err(e) => classify(e),
        }
    }

    fn transaction_body(&self, txn: &Transaction) -> Result<Value, plexus_service::ServiceError> {
        let mut pdus = Vec::with_capacity(txn.pdus.len());
        for event_id in &txn.pdus {
            let Some(bytes) = self.services.db.get::<Events>(event_id)? else {
                tracing::warn!(%event_id, "queued event is not stored; skipped");
                continue;
            };
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(pdu) => pdus.push(pdu),
                Err(e) => tracing::error!(%event_id, error = %e, "stored event is not JSON"),
            }
        }
        Ok(json!({
            "origin": self.services.server_name(),
            "origin_server_ts": now_millis(),
            "pdus": pdus,
            "edus": txn.edus,
        }))
    }
}

/// Refusals that a resend cannot change (a malformed or oversized body, a
/// server that forbids us, a name that is not a server name); everything
/// else (network, timeouts, 5xx, 401 while keys are fetched, 429) is retried.
fn classify(error: ClientError) -> Outcome {
    match &error {
        ClientError::Status {
            status: 400 | 403 | 413,
            ..
        }
        | ClientError::InvalidServerName(_) => Outcome::Refused(error.to_string()),
        _ => Outcome::Retry(error.to_string()),
    }
}

/// The peer's per-PDU verdicts: accepted transactions may still reject events.
fn log_pdu_errors(destination: &str, answer: &Value) {
    for (event_id, result) in answer["pdus"].as_object().into_iter().flatten() {
        if let Some(error) = result.get("error") {
            tracing::debug!(%destination, %event_id, %error, "peer rejected a PDU");
        }
    }
}
