//! `PUT /_matrix/federation/v1/send/{txnId}`: a transaction of PDUs and
//! EDUs from another server. Each PDU goes through every check of
//! [`crate::pdu`] and gets its own result; one bad PDU never stops the
//! rest. A repeated transaction ID from the same origin is answered with
//! the stored response, without processing anything again.

use std::sync::Arc;

use axum::{
    extract::{Path, State},
    Json,
};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::{error::Result, pdu::receive_pdu, Federation, FederationAuth, FederationError};

/// Spec: a transaction carries at most 50 PDUs and 100 EDUs.
const MAX_PDUS: usize = 50;
const MAX_EDUS: usize = 100;

#[derive(Deserialize)]
struct Transaction {
    #[serde(default)]
    pdus: Vec<Value>,
    #[serde(default)]
    edus: Vec<Value>,
}

pub async fn send_transaction(
    State(federation): State<Arc<Federation>>,
    Path(txn_id): Path<String>,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    let txn: Transaction = auth.body()?;
    if txn.pdus.len() > MAX_PDUS || txn.edus.len() > MAX_EDUS {
        return Err(FederationError::TooLarge(
            "a transaction holds at most 50 PDUs and 100 EDUs".into(),
        ));
    }
    let origin = auth.origin.clone();
    // One transaction per origin at a time: a retry that overtakes the
    // original waits for it and then finds its stored answer.
    let gate = federation.inbound_txn_gate(origin.as_str());
    let _turn = gate.lock().await;
    let services = &federation.services;
    if let Some(answer) = services.txn_answer(origin.as_str(), &txn_id)? {
        return Ok(Json(answer));
    }
    let mut results = Map::new();
    for pdu in txn.pdus {
        let Ok(object) = serde_json::from_value(pdu) else {
            continue;
        };
        match receive_pdu(&federation, &origin, object).await {
            Ok(id) => {
                results.insert(id.to_string(), json!({}));
            }
            Err((id, why)) => {
                tracing::info!(%origin, event_id = ?id, "PDU not accepted: {why}");
                if let Some(id) = id {
                    results.insert(id.to_string(), json!({ "error": why.to_string() }));
                }
            }
        }
    }
    for edu in &txn.edus {
        crate::edu::apply_edu(&federation, &origin, edu).await;
    }
    let answer = json!({ "pdus": results });
    services.remember_txn_answer(origin.as_str(), &txn_id, &answer)?;
    Ok(Json(answer))
}
