//! `/_matrix/client/v3/room_keys/version[/{version}]`: create (POST), get
//! (GET, the current one without a version), update (PUT) and delete (DELETE).

use ruma::api::client::backup::{
    create_backup_version::v3 as create, delete_backup_version::v3 as delete,
    get_backup_info::v3 as get, get_latest_backup_info::v3 as latest,
    update_backup_version::v3 as update,
};
use serde_json::{json, Value};

use crate::{AppState, Error, Result, Ruma};

/// (algorithm, auth_data) of a version body.
fn algorithm_and_auth_data(json: Option<&Value>) -> Result<(String, Value)> {
    let json = json.ok_or_else(|| Error::BadJson("missing body".into()))?;
    let algorithm = json
        .get("algorithm")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::BadJson("missing algorithm".into()))?;
    let auth_data = json
        .get("auth_data")
        .filter(|a| a.is_object())
        .ok_or_else(|| Error::BadJson("missing auth_data".into()))?;
    Ok((algorithm.to_owned(), auth_data.clone()))
}

pub async fn create_version(state: AppState, request: Ruma<create::Request>) -> Result<Value> {
    let user = request.user()?;
    let (algorithm, auth_data) = algorithm_and_auth_data(request.json.as_ref())?;
    let version = state
        .create_backup_version(&user.user_id, &algorithm, auth_data)
        .await?;
    Ok(json!({ "version": version }))
}

pub async fn get_version(state: AppState, request: Ruma<get::Request>) -> Result<Value> {
    let user = request.user()?;
    Ok(state.backup_version_info(&user.user_id, Some(&request.body.version))?)
}

pub async fn get_latest_version(state: AppState, request: Ruma<latest::Request>) -> Result<Value> {
    let user = request.user()?;
    Ok(state.backup_version_info(&user.user_id, None)?)
}

pub async fn update_version(state: AppState, request: Ruma<update::Request>) -> Result<Value> {
    let user = request.user()?;
    let (algorithm, auth_data) = algorithm_and_auth_data(request.json.as_ref())?;
    let in_body = request
        .json
        .as_ref()
        .and_then(|j| j.get("version"))
        .and_then(Value::as_str);
    if in_body.is_some_and(|v| v != request.body.version) {
        return Err(Error::invalid(
            "version in the body does not match the path",
        ));
    }
    state
        .update_backup_version(&user.user_id, &request.body.version, &algorithm, auth_data)
        .await?;
    Ok(json!({}))
}

pub async fn delete_version(state: AppState, request: Ruma<delete::Request>) -> Result<Value> {
    let user = request.user()?;
    state
        .delete_backup_version(&user.user_id, &request.body.version)
        .await?;
    Ok(json!({}))
}
