//! [`ServerInfo`]: who answers at a URI, read from the root documents of
//! the servers httpdb knows.

use serde::Serialize;
use serde_json::Value;

/// What a server says about itself.
///
/// For CrateDB, Elasticsearch and OpenSearch (`GET /`): node name, cluster
/// name and `version.number`, the same triple crate-python's
/// `server_infos` returns. CouchDB: name `couchdb` and its version. etcd
/// (`GET /version`): name `etcd`, its server and cluster versions. Fields
/// a server does not give are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ServerInfo {
    /// The URL of the server that answered, such as `https://db1:4200`.
    pub url: String,
    /// The node or product name.
    pub name: Option<String>,
    /// The cluster name.
    pub cluster_name: Option<String>,
    /// The server version.
    pub version: Option<String>,
}

impl ServerInfo {
    /// Reads a root document (`GET /`) or etcd's `GET /version` answer.
    /// Returns `None` when the document has no shape httpdb knows.
    pub(crate) fn from_document(url: String, doc: &Value) -> Option<ServerInfo> {
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
        if let Some(server) = doc.get("etcdserver") {
            return Some(ServerInfo {
                url,
                name: Some("etcd".into()),
                cluster_name: text(doc.get("etcdcluster")),
                version: text(Some(server)),
            });
        }
        if doc.get("couchdb").is_some() {
            return Some(ServerInfo {
                url,
                name: Some("couchdb".into()),
                cluster_name: None,
                version: text(doc.get("version")),
            });
        }
        let version = match doc.get("version") {
            Some(Value::Object(v)) => text(v.get("number")),
            other => text(other),
        };
        let name = text(doc.get("name"));
        let cluster_name = text(doc.get("cluster_name"));
        if name.is_none() && cluster_name.is_none() && version.is_none() {
            return None;
        }
        Some(ServerInfo {
            url,
            name,
            cluster_name,
            version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn info(doc: Value) -> Option<ServerInfo> {
        ServerInfo::from_document("https://h:1".into(), &doc)
    }

    #[test]
    fn cratedb_and_elasticsearch() {
        let i = info(json!({"ok": true, "name": "crate1", "cluster_name": "c", "version": {"number": "5.8.3"}})).unwrap();
        assert_eq!(
            (
                i.name.as_deref(),
                i.cluster_name.as_deref(),
                i.version.as_deref()
            ),
            (Some("crate1"), Some("c"), Some("5.8.3"))
        );
    }

    #[test]
    fn couchdb() {
        let i = info(json!({"couchdb": "Welcome", "version": "3.3.3"})).unwrap();
        assert_eq!(
            (i.name.as_deref(), i.version.as_deref()),
            (Some("couchdb"), Some("3.3.3"))
        );
    }

    #[test]
    fn etcd() {
        let i = info(json!({"etcdserver": "3.4.30", "etcdcluster": "3.4.0"})).unwrap();
        assert_eq!(
            (
                i.name.as_deref(),
                i.cluster_name.as_deref(),
                i.version.as_deref()
            ),
            (Some("etcd"), Some("3.4.0"), Some("3.4.30"))
        );
    }

    #[test]
    fn unknown_shapes() {
        assert_eq!(info(json!({"hello": 1})), None);
        assert_eq!(info(json!([1, 2])), None);
        assert_eq!(info(json!({"version": 5})), None);
        assert_eq!(
            info(json!({"name": {"x": 1}, "version": "1"}))
                .unwrap()
                .name,
            None
        );
    }
}
