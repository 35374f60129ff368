//! Per product, the documented read-only request that lists a cluster's
//! members, and the reading of its answer into published addresses.

use serde_json::Value;

use crate::settings::Product;

/// The request that lists the members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ask {
    pub method: &'static str,
    pub path: String,
    pub body: Option<&'static str>,
}

impl Ask {
    /// `METHOD /path`, for reports and logs.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// One member as the answer publishes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Its name or id.
    pub member: String,
    /// Its HTTP address as published; empty when it publishes none.
    pub address: String,
}

/// The request that lists the members of a `product` cluster (ClickHouse:
/// of the named `cluster`), or why there is none.
pub(crate) fn ask(product: Product, cluster: Option<&str>) -> Result<Ask, String> {
    let get = |path: &str| Ask {
        method: "GET",
        path: path.into(),
        body: None,
    };
    match product {
        Product::Etcd => Ok(Ask {
            method: "POST",
            path: "/v3/cluster/member/list".into(),
            body: Some("{}"),
        }),
        Product::Elasticsearch | Product::OpenSearch => Ok(get("/_nodes/_all/http")),
        Product::CrateDb => Ok(Ask {
            method: "POST",
            path: "/_sql".into(),
            body: Some(r#"{"stmt":"SELECT name, rest_url FROM sys.nodes ORDER BY name"}"#),
        }),
        Product::CouchDb => Ok(get("/_membership")),
        Product::ClickHouse => {
            let cluster = cluster.ok_or(
                "ClickHouse lists the members of a named cluster: set discover_cluster=NAME (a cluster of system.clusters)",
            )?;
            let query =
                "SELECT host_name FROM system.clusters WHERE cluster = {c:String} FORMAT JSON";
            const QUERY: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
                .remove(b'-')
                .remove(b'_')
                .remove(b'.')
                .remove(b'~');
            let enc = |s: &str| percent_encoding::utf8_percent_encode(s, QUERY).to_string();
            Ok(get(&format!(
                "/?query={}&param_c={}",
                enc(query),
                enc(cluster)
            )))
        }
        other => Err(format!("{other} publishes no list of its members")),
    }
}

/// The members `body`, the answer to [`ask`], publishes; `https` picks
/// among a member's URLs; `seed_port` is the HTTP port of a product that
/// publishes none (ClickHouse). An answer that is not the documented
/// shape is an error saying what was expected.
pub(crate) fn read(
    product: Product,
    body: &[u8],
    https: bool,
    seed_port: u16,
) -> Result<Vec<Entry>, String> {
    let json: Value =
        serde_json::from_slice(body).map_err(|e| format!("the answer is not JSON ({e})"))?;
    let shape = |what: &str| format!("the answer has no {what}");
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    match product {
        Product::Etcd => {
            let members = json["members"]
                .as_array()
                .ok_or_else(|| shape("\"members\" list"))?;
            let scheme = if https { "https://" } else { "http://" };
            Ok(members
                .iter()
                .map(|m| {
                    let urls: Vec<&str> = m["clientURLs"]
                        .as_array()
                        .map(|urls| urls.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    let url = urls
                        .iter()
                        .find(|u| u.to_ascii_lowercase().starts_with(scheme))
                        .or(urls.first());
                    let name = text(&m["name"]);
                    Entry {
                        member: if name.is_empty() {
                            text(&m["ID"])
                        } else {
                            name
                        },
                        address: url.map(|u| u.to_string()).unwrap_or_default(),
                    }
                })
                .collect())
        }
        Product::Elasticsearch | Product::OpenSearch => {
            let nodes = json["nodes"]
                .as_object()
                .ok_or_else(|| shape("\"nodes\" object"))?;
            Ok(nodes
                .iter()
                .map(|(id, node)| Entry {
                    member: node["name"].as_str().unwrap_or(id).to_string(),
                    address: text(&node["http"]["publish_address"]),
                })
                .collect())
        }
        Product::CrateDb => {
            let rows = json["rows"]
                .as_array()
                .ok_or_else(|| shape("\"rows\" list"))?;
            Ok(rows
                .iter()
                .map(|row| Entry {
                    member: text(&row[0]),
                    address: text(&row[1]),
                })
                .collect())
        }
        Product::CouchDb => {
            let nodes = json["cluster_nodes"]
                .as_array()
                .ok_or_else(|| shape("\"cluster_nodes\" list"))?;
            let names: Vec<String> = nodes.iter().map(text).collect();
            Err(format!(
                "CouchDB's /_membership names its nodes ({}) but not their HTTP addresses (the part after @ is the Erlang host, and no port is published): the seeds are kept; list every node in the URI",
                names.join(", ")
            ))
        }
        Product::ClickHouse => {
            let rows = json["data"]
                .as_array()
                .ok_or_else(|| shape("\"data\" list"))?;
            if rows.is_empty() {
                return Err("system.clusters has no such cluster (or it has no replicas)".into());
            }
            Ok(rows
                .iter()
                .map(|row| {
                    let host = text(&row["host_name"]);
                    Entry {
                        address: if host.is_empty() {
                            String::new()
                        } else if host.contains(':') {
                            format!("[{host}]:{seed_port}")
                        } else {
                            format!("{host}:{seed_port}")
                        },
                        member: host,
                    }
                })
                .collect())
        }
        other => Err(format!("{other} publishes no list of its members")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(member: &str, address: &str) -> Entry {
        Entry {
            member: member.into(),
            address: address.into(),
        }
    }

    #[test]
    fn etcd_prefers_the_uris_scheme_and_names_unstarted_members_by_id() {
        let body = br#"{"members":[
            {"ID":"1","name":"m1","clientURLs":["http://10.0.0.1:2379","https://10.0.0.1:2379"]},
            {"ID":"2","name":"m2","clientURLs":["http://10.0.0.2:2379"]},
            {"ID":"3","peerURLs":["http://10.0.0.3:2380"]}]}"#;
        assert_eq!(
            read(Product::Etcd, body, true, 2379).unwrap(),
            vec![
                entry("m1", "https://10.0.0.1:2379"),
                entry("m2", "http://10.0.0.2:2379"),
                entry("3", "")
            ]
        );
    }

    #[test]
    fn elasticsearch_crate_and_clickhouse() {
        let es = br#"{"nodes":{"a":{"name":"es1","http":{"publish_address":"es1.example/10.0.0.1:9200"}},"b":{"name":"es2"}}}"#;
        assert_eq!(
            read(Product::OpenSearch, es, true, 9200).unwrap(),
            vec![entry("es1", "es1.example/10.0.0.1:9200"), entry("es2", "")]
        );
        let crate_ = br#"{"cols":["name","rest_url"],"rows":[["n1","10.0.0.1:4200"],["n2",null]],"rowcount":2}"#;
        assert_eq!(
            read(Product::CrateDb, crate_, true, 4200).unwrap(),
            vec![entry("n1", "10.0.0.1:4200"), entry("n2", "")]
        );
        let ch = br#"{"data":[{"host_name":"ch1"},{"host_name":"fd00::2"}],"rows":2}"#;
        assert_eq!(
            read(Product::ClickHouse, ch, true, 8443).unwrap(),
            vec![entry("ch1", "ch1:8443"), entry("fd00::2", "[fd00::2]:8443")]
        );
    }

    #[test]
    fn what_is_not_usable_says_why() {
        let couch = br#"{"all_nodes":["couchdb@10.0.0.1"],"cluster_nodes":["couchdb@10.0.0.1","couchdb@10.0.0.2"]}"#;
        let error = read(Product::CouchDb, couch, true, 5984).unwrap_err();
        assert!(
            error.contains("couchdb@10.0.0.1, couchdb@10.0.0.2")
                && error.contains("seeds are kept"),
            "{error}"
        );
        assert!(
            read(Product::Etcd, b"<html>", true, 1)
                .unwrap_err()
                .contains("not JSON")
        );
        assert!(
            read(Product::Etcd, b"{\"members\":3}", true, 1)
                .unwrap_err()
                .contains("\"members\"")
        );
        assert!(
            ask(Product::ClickHouse, None)
                .unwrap_err()
                .contains("discover_cluster")
        );
        assert!(ask(Product::Prometheus, None).is_err());
        assert!(
            ask(Product::ClickHouse, Some("main"))
                .unwrap()
                .path
                .contains("param_c=main")
        );
    }
}
