//! [`ServerInfo`]: who answers at a URI, read from what each server httpdb
//! knows really offers, with as few requests as possible and none that
//! writes: the headers of any answer (InfluxDB), ClickHouse's `Ok.` and
//! `SELECT version()`, the root document
//! (CrateDB, Elasticsearch, OpenSearch, CouchDB, pouchdb-server),
//! `/version` (etcd), `/api/v1/status/buildinfo` (Prometheus).

use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;
use ureq::http::{HeaderMap, Method};

use crate::client::{Client, Response};
use crate::error::{Error, Result};
use crate::settings::Product;

impl Client {
    /// Who answers: the root document of CrateDB, Elasticsearch, OpenSearch
    /// or CouchDB (`GET /`), or etcd's `GET /version`.
    ///
    /// # Errors
    ///
    /// As [`Request::send`](crate::Request::send); an error status of
    /// `GET /` when neither document names the server.
    pub fn server_info(&self) -> Result<ServerInfo> {
        let asking = Asking::new(self);
        let mut root = asking.get("/")?;
        let url = self.url_of(root.host());
        let status = root.status();
        let headers = root.headers().clone();
        let root_error = root.status_error();
        // A body that breaks off, times out or is too large is the error:
        // never an identity made up of what little arrived.
        let body = asking.body(&mut root, "/")?;
        if let Some(info) = identify(&asking, url.clone(), status, &headers, &body)? {
            if let Some(product) = info.product.as_deref().and_then(Product::from_name) {
                self.learn_product(product);
            }
            return Ok(info);
        }
        if let Some(error) = root_error {
            return Err(error);
        }
        Ok(ServerInfo {
            url,
            name: None,
            cluster_name: None,
            version: None,
            product: None,
        })
    }
}

/// What a server says about itself.
///
/// For CrateDB, Elasticsearch and OpenSearch (`GET /`): node name, cluster
/// name and `version.number`, the same triple crate-python's
/// `server_infos` returns. CouchDB and pouchdb-server: their name and
/// version. etcd (`GET /version`): its server and cluster versions.
/// InfluxDB: the version every answer carries (`X-Influxdb-Version`).
/// ClickHouse: its display name and `SELECT version()`.
/// Prometheus: `/api/v1/status/buildinfo`. `product` says which of them
/// answered. Fields a server does not give are `None`.
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
    /// Which product answered: `CrateDB`, `Elasticsearch`, `OpenSearch`,
    /// `CouchDB`, `pouchdb-server`, `etcd`, `InfluxDB`, `ClickHouse`,
    /// `Prometheus`;
    /// `None` for a document of a known shape from an unknown product.
    pub product: Option<String>,
}

/// The most of an answer read to tell who a server is: identity documents
/// are a few hundred bytes, and a gigabyte at `/` (a gzip bomb, a file
/// server) is read no further than this.
pub(crate) const IDENTITY_CAP: u64 = 64 * 1024;

/// The requests that identify a server, under one budget: the settings'
/// `timeout` bounds them all together, as it bounds one call.
pub(crate) struct Asking<'c> {
    client: &'c Client,
    until: Option<Instant>,
}

impl<'c> Asking<'c> {
    pub(crate) fn new(client: &'c Client) -> Asking<'c> {
        let until = Instant::now().checked_add(client.settings().timeout());
        Asking { client, until }
    }

    /// `GET path` (with `query` appended), within what is left of the
    /// budget; an error status is an answer here, not an error.
    pub(crate) fn get_with(&self, path: &str, query: Option<(&str, &str)>) -> Result<Response> {
        let mut request = self
            .client
            .request(Method::GET, path)
            .error_for_status(false);
        if let Some((name, value)) = query {
            request = request.query(name, value);
        }
        if let Some(until) = self.until {
            // Spent: the engine's own timeout error, naming the host.
            let left = until.saturating_duration_since(Instant::now());
            request = request.timeout(left.max(Duration::from_millis(1)));
        }
        request.send()
    }

    pub(crate) fn get(&self, path: &str) -> Result<Response> {
        self.get_with(path, None)
    }

    /// The body of the answer to `path`, at most [`IDENTITY_CAP`] bytes.
    pub(crate) fn body(&self, answer: &mut Response, path: &str) -> Result<Vec<u8>> {
        answer.bytes_within(IDENTITY_CAP)?.ok_or_else(|| Error::Protocol {
            host: answer.host().to_string(),
            message: format!(
                "the answer to GET {path} is larger than {}, where a server's identity takes a few hundred bytes: it cannot be told who answers",
                crate::units::format_size(IDENTITY_CAP)
            ),
            source: None,

 attempts: Default::default(),
        })
    }
}

/// Who answers, from the answer to `GET /` (`status`, `headers`, `body`)
/// and, where that does not tell, the one more read-only request the
/// shape points at.
pub(crate) fn identify(
    asking: &Asking<'_>,
    url: String,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Option<ServerInfo>> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    // InfluxDB says who it is on every answer, its 404 at / included.
    if let Some(version) = header("x-influxdb-version") {
        return Ok(Some(ServerInfo {
            url,
            name: Some("influxdb".into()),
            cluster_name: None,
            version: Some(version.to_string()),
            product: Some("InfluxDB".into()),
        }));
    }
    // ClickHouse answers / with `Ok.` (or, with a default parameter such
    // as database=, with a query error that carries its headers); its
    // version is a read-only query.
    let clickhouse_headers = headers
        .keys()
        .any(|name| name.as_str().starts_with("x-clickhouse-"));
    if clickhouse_headers || (status == 200 && body.trim_ascii() == b"Ok.") {
        let mut answer = asking.get_with("/", Some(("query", "SELECT version()")))?;
        let name = answer
            .header("x-clickhouse-server-display-name")
            .map(str::to_string);
        let version = match answer.status() {
            200 => Some(
                String::from_utf8_lossy(&asking.body(&mut answer, "/?query=...")?)
                    .trim()
                    .to_string(),
            )
            .filter(|v| !v.is_empty()),
            _ => None,
        };
        return Ok(Some(ServerInfo {
            url,
            name: name.or(Some("clickhouse".into())),
            cluster_name: None,
            version,
            product: Some("ClickHouse".into()),
        }));
    }
    if status < 300
        && let Some(info) = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|doc| ServerInfo::from_document(url.clone(), &doc))
    {
        return Ok(Some(info));
    }
    if matches!(status, 401 | 403) {
        return Ok(None);
    }
    // Prometheus sends / on to its graph page.
    let redirect =
        (300..400).contains(&status) && header("location").is_some_and(|l| l.contains("graph"));
    let asks: &[&str] = if redirect {
        &["/api/v1/status/buildinfo"]
    } else {
        &["/version", "/api/v1/status/buildinfo"]
    };
    for path in asks {
        let mut answer = asking.get(path)?;
        if answer.status() >= 400 {
            continue;
        }
        // A body that does not parse is another shape; one that breaks
        // off is the error.
        let body = asking.body(&mut answer, path)?;
        if let Some(info) = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|doc| ServerInfo::from_document(url.clone(), &doc))
        {
            return Ok(Some(info));
        }
    }
    Ok(None)
}

impl ServerInfo {
    /// Reads a root document (`GET /`) or etcd's `GET /version` answer.
    /// Returns `None` when the document has no shape httpdb knows.
    pub(crate) fn from_document(url: String, doc: &Value) -> Option<ServerInfo> {
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
        let known = |name: &str, product: &str, cluster: Option<String>, version| ServerInfo {
            url: url.clone(),
            name: Some(name.into()),
            cluster_name: cluster,
            version,
            product: Some(product.into()),
        };
        if let Some(server) = doc.get("etcdserver") {
            return Some(known(
                "etcd",
                "etcd",
                text(doc.get("etcdcluster")),
                text(Some(server)),
            ));
        }
        if doc.get("couchdb").is_some() {
            return Some(known("couchdb", "CouchDB", None, text(doc.get("version"))));
        }
        if doc.get("express-pouchdb").is_some() {
            return Some(known(
                "pouchdb-server",
                "pouchdb-server",
                None,
                text(doc.get("version")),
            ));
        }
        // Prometheus' buildinfo: {"status": "success", "data": {"version": ..}}.
        if let Some(data) = doc.get("data").filter(|_| doc.get("status").is_some())
            && let Some(version) = text(data.get("version"))
        {
            return Some(known("prometheus", "Prometheus", None, Some(version)));
        }
        let version_doc = doc.get("version");
        let version = match version_doc {
            Some(Value::Object(v)) => text(v.get("number")),
            other => text(other),
        };
        let name = text(doc.get("name"));
        let cluster_name = text(doc.get("cluster_name"));
        if name.is_none() && cluster_name.is_none() && version.is_none() {
            return None;
        }
        let distribution = version_doc
            .and_then(|v| v.get("distribution"))
            .and_then(Value::as_str);
        let tagline = doc
            .get("tagline")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let product = if distribution == Some("opensearch") || tagline.contains("OpenSearch") {
            Some("OpenSearch")
        } else if tagline == "You Know, for Search" {
            Some("Elasticsearch")
        } else if doc.get("ok").is_some() && doc.get("status").is_some() {
            // CrateDB's root: {"ok": true, "status": 200, "name", ...}.
            Some("CrateDB")
        } else {
            None
        };
        Some(ServerInfo {
            url,
            name,
            cluster_name,
            version,
            product: product.map(str::to_string),
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

    /// The products' real answers (fixtures/servers/, see its README).
    #[test]
    fn every_product_by_its_real_answer() {
        let fixture = |text: &str| info(serde_json::from_str(text).unwrap()).unwrap();
        let cases = [
            (
                include_str!("../fixtures/servers/cratedb.json"),
                "CrateDB",
                "Rotgschirr",
                Some("crate"),
                "5.9.5",
            ),
            (
                include_str!("../fixtures/servers/elasticsearch.json"),
                "Elasticsearch",
                "instance-0000000000",
                Some("my_test_cluster"),
                "8.12.1",
            ),
            (
                include_str!("../fixtures/servers/opensearch.json"),
                "OpenSearch",
                "hostname",
                Some("opensearch"),
                "2.5.0",
            ),
            (
                include_str!("../fixtures/servers/couchdb.json"),
                "CouchDB",
                "couchdb",
                None,
                "3.4.2",
            ),
            (
                include_str!("../fixtures/servers/pouchdb-server.json"),
                "pouchdb-server",
                "pouchdb-server",
                None,
                "4.2.0",
            ),
            (
                include_str!("../fixtures/servers/prometheus-buildinfo.json"),
                "Prometheus",
                "prometheus",
                None,
                "2.13.1",
            ),
        ];
        for (text, product, name, cluster, version) in cases {
            let i = fixture(text);
            assert_eq!(i.product.as_deref(), Some(product));
            assert_eq!(i.name.as_deref(), Some(name), "{product}");
            assert_eq!(i.cluster_name.as_deref(), cluster, "{product}");
            assert_eq!(i.version.as_deref(), Some(version), "{product}");
        }
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
