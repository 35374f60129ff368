//! Product knowledge of reads: the POST endpoints that each server's own
//! API documentation defines as reads, so that such a request may be sent
//! again after a failure as a GET may. One table, each entry with the
//! document that makes it a read; nothing is guessed from a body (a SQL
//! statement, a query language) and no endpoint that can write, create
//! state a resend would duplicate, or advance a cursor is listed
//! (Elasticsearch's `_search/scroll` and `_sql` with a cursor move it;
//! etcd's `maintenance/status` answers for the member asked; CrateDB's `_sql`,
//! ClickHouse's queries, InfluxDB's `/query` and Couchbase Analytics'
//! statements can all write).
//!
//! `retry_reads=false` (pymongo's `retryReads=false`) turns the table off.

use crate::settings::Product;

/// A POST endpoint that a server's API defines as a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadEndpoint {
    /// The server whose API defines it.
    pub product: Product,
    /// The path, `*` standing for one segment that is a name (an index, a
    /// database, a design document): not one that starts with `_`.
    pub path: &'static str,
    /// The document that makes it a read.
    pub source: &'static str,
    /// Whether the path is the product's alone only when the product is
    /// known (`product=`, or `server_info`): another product has the same
    /// path for requests that write (CrateDB's `_sql`).
    pub needs_product: bool,
}

const ETCD_KV: &str = "https://etcd.io/docs/v3.5/learning/api/#range";
const ETCD_GATEWAY: &str = "https://github.com/etcd-io/etcd/blob/main/api/etcdserverpb/rpc.proto (MemberList \"lists all the members\", LeaseTimeToLive \"retrieves lease information\", LeaseLeases \"lists all existing leases\", AuthStatus, UserGet, UserList, RoleGet, RoleList)";
const ES_SEARCH: &str = "https://www.elastic.co/docs/api/doc/elasticsearch/operation/operation-search (\"Run a search\"; GET and POST are the same request)";
const ES_DOCS: &str = "https://www.elastic.co/docs/api/doc/elasticsearch/group/endpoint-search";
const ES_GET: &str = "https://www.elastic.co/docs/api/doc/elasticsearch/group/endpoint-document (multi get, term vectors)";
const ES_SQL: &str = "https://www.elastic.co/guide/en/elasticsearch/reference/current/sql-translate-api.html (translates SQL into a search; nothing is run)";
const OS_SEARCH: &str = "https://docs.opensearch.org/latest/api-reference/search-apis/search/";
const COUCH_FIND: &str = "https://docs.couchdb.org/en/stable/api/database/find.html";
const COUCH_BULK: &str = "https://docs.couchdb.org/en/stable/api/database/bulk-api.html (POST /{db}/_all_docs, _all_docs/queries, _bulk_get)";
const COUCH_VIEW: &str = "https://docs.couchdb.org/en/stable/api/ddoc/views.html (POST /{db}/_design/{ddoc}/_view/{view}: \"Executes the specified view function\" with keys in the body)";
const COUCH_REVS: &str = "https://docs.couchdb.org/en/stable/api/database/misc.html (POST /{db}/_revs_diff: \"returns the subset of those that do not correspond to revisions stored in the database\")";
const PROM_API: &str = "https://prometheus.io/docs/prometheus/latest/querying/api/ (\"You can URL-encode these parameters directly in the request body by using the POST method\")";

/// Every known read, by product.
pub const READS: &[ReadEndpoint] = &[
    // etcd's gRPC gateway: /v3 (3.4+), /v3beta (3.3), /v3alpha (3.2).
    read(Product::Etcd, "/v3/kv/range", ETCD_KV),
    read(Product::Etcd, "/v3beta/kv/range", ETCD_KV),
    read(Product::Etcd, "/v3alpha/kv/range", ETCD_KV),
    read(Product::Etcd, "/v3/cluster/member/list", ETCD_GATEWAY),
    read(Product::Etcd, "/v3/lease/timetolive", ETCD_GATEWAY),
    read(Product::Etcd, "/v3/kv/lease/timetolive", ETCD_GATEWAY),
    read(Product::Etcd, "/v3/lease/leases", ETCD_GATEWAY),
    read(Product::Etcd, "/v3/kv/lease/leases", ETCD_GATEWAY),
    read(Product::Etcd, "/v3/auth/status", ETCD_GATEWAY),
    read(Product::Etcd, "/v3/auth/user/get", ETCD_GATEWAY),
    read(Product::Etcd, "/v3/auth/user/list", ETCD_GATEWAY),
    read(Product::Etcd, "/v3/auth/role/get", ETCD_GATEWAY),
    read(Product::Etcd, "/v3/auth/role/list", ETCD_GATEWAY),
    // Elasticsearch (OpenSearch has the same paths for these).
    read(Product::Elasticsearch, "/_search", ES_SEARCH),
    read(Product::Elasticsearch, "/*/_search", ES_SEARCH),
    read(Product::Elasticsearch, "/_msearch", ES_DOCS),
    read(Product::Elasticsearch, "/*/_msearch", ES_DOCS),
    read(Product::Elasticsearch, "/_search/template", ES_DOCS),
    read(Product::Elasticsearch, "/*/_search/template", ES_DOCS),
    read(Product::Elasticsearch, "/_msearch/template", ES_DOCS),
    read(Product::Elasticsearch, "/*/_msearch/template", ES_DOCS),
    read(Product::Elasticsearch, "/_count", ES_DOCS),
    read(Product::Elasticsearch, "/*/_count", ES_DOCS),
    read(Product::Elasticsearch, "/_field_caps", ES_DOCS),
    read(Product::Elasticsearch, "/*/_field_caps", ES_DOCS),
    read(Product::Elasticsearch, "/_validate/query", ES_DOCS),
    read(Product::Elasticsearch, "/*/_validate/query", ES_DOCS),
    read(Product::Elasticsearch, "/*/_explain/*", ES_DOCS),
    read(Product::Elasticsearch, "/_render/template", ES_DOCS),
    read(Product::Elasticsearch, "/_rank_eval", ES_DOCS),
    read(Product::Elasticsearch, "/*/_rank_eval", ES_DOCS),
    read(Product::Elasticsearch, "/_mget", ES_GET),
    read(Product::Elasticsearch, "/*/_mget", ES_GET),
    read(Product::Elasticsearch, "/*/_termvectors", ES_GET),
    read(Product::Elasticsearch, "/*/_termvectors/*", ES_GET),
    read(Product::Elasticsearch, "/_mtermvectors", ES_GET),
    read(Product::Elasticsearch, "/*/_mtermvectors", ES_GET),
    read(Product::OpenSearch, "/_search", OS_SEARCH),
    // Elasticsearch SQL cannot change data, but `_sql` itself is left
    // out: a request with a cursor reads the next page (a resend would
    // skip one), and CrateDB writes through the same path.
    ReadEndpoint {
        product: Product::Elasticsearch,
        path: "/_sql/translate",
        source: ES_SQL,
        needs_product: true,
    },
    // CouchDB (and pouchdb-server).
    read(Product::CouchDb, "/*/_find", COUCH_FIND),
    read(Product::CouchDb, "/*/_explain", COUCH_FIND),
    read(Product::CouchDb, "/*/_all_docs", COUCH_BULK),
    read(Product::CouchDb, "/*/_all_docs/queries", COUCH_BULK),
    read(Product::CouchDb, "/*/_bulk_get", COUCH_BULK),
    read(Product::CouchDb, "/*/_revs_diff", COUCH_REVS),
    read(Product::CouchDb, "/*/_design/*/_view/*", COUCH_VIEW),
    read(Product::CouchDb, "/*/_design/*/_view/*/queries", COUCH_VIEW),
    // Prometheus.
    read(Product::Prometheus, "/api/v1/query", PROM_API),
    read(Product::Prometheus, "/api/v1/query_range", PROM_API),
    read(Product::Prometheus, "/api/v1/query_exemplars", PROM_API),
    read(Product::Prometheus, "/api/v1/series", PROM_API),
    read(Product::Prometheus, "/api/v1/labels", PROM_API),
    read(Product::Prometheus, "/api/v1/format_query", PROM_API),
];

const fn read(product: Product, path: &'static str, source: &'static str) -> ReadEndpoint {
    ReadEndpoint {
        product,
        path,
        source,
        needs_product: false,
    }
}

/// The known read that `path` (no query) is, with `known` the product
/// behind the URI if it is known. An entry of another product than the
/// known one does not apply (OpenSearch shares Elasticsearch's paths).
pub(crate) fn lookup(path: &str, known: Option<Product>) -> Option<&'static ReadEndpoint> {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    READS.iter().find(|read| {
        let product_fits = match known {
            Some(Product::OpenSearch) => {
                matches!(read.product, Product::OpenSearch | Product::Elasticsearch)
                    && !read.needs_product
            }
            Some(product) => product == read.product,
            None => !read.needs_product,
        };
        product_fits && matches(read.path, path)
    })
}

/// Whether `path` has the segments of `pattern`.
fn matches(pattern: &str, path: &str) -> bool {
    let mut want = pattern.trim_start_matches('/').split('/');
    let mut have = path
        .trim_start_matches('/')
        .trim_end_matches('/')
        .split('/');
    loop {
        match (want.next(), have.next()) {
            (None, None) => return true,
            (Some("*"), Some(segment)) if !segment.is_empty() && !segment.starts_with('_') => {}
            (Some(w), Some(h)) if w == h => {}
            _ => return false,
        }
    }
}

/// The query parameter that makes a request to `product` unable to write,
/// where the product has one: ClickHouse's `readonly=2` (reads, and
/// settings in the URL; any statement that writes is refused).
pub(crate) fn write_guard(product: Option<Product>) -> Option<(&'static str, &'static str)> {
    match product {
        Some(Product::ClickHouse) => Some(("readonly", "2")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_by_path() {
        let is_read = |path: &str, known| lookup(path, known).is_some();
        for path in [
            "/v3/kv/range",
            "/logs/_search",
            "/logs-*,metrics/_search?size=0",
            "/_search",
            "/db/_find",
            "/db/_design/app/_view/by_name",
            "/api/v1/query",
            "/my-index/_count/",
        ] {
            assert!(is_read(path, None), "{path}");
        }
        for path in [
            "/v3/kv/put",
            "/v3/kv/deleterange",
            "/_sql",
            "/_search/scroll",
            "/db/_bulk_docs",
            "/logs/_doc",
            "/_bulk",
            "/logs/_update_by_query",
            "/api/v1/admin/tsdb/delete_series",
            "/_all_docs/_find",
            "/query",
            "/",
        ] {
            assert!(!is_read(path, None), "{path}");
        }
    }

    #[test]
    fn product_specific_reads_need_the_product() {
        assert!(
            lookup("/_sql", None).is_none(),
            "CrateDB writes through /_sql"
        );
        assert!(
            lookup("/_sql", Some(Product::Elasticsearch)).is_none(),
            "a cursor moves"
        );
        assert!(lookup("/_sql/translate", None).is_none());
        assert!(lookup("/_sql/translate", Some(Product::CrateDb)).is_none());
        assert!(lookup("/_sql/translate", Some(Product::Elasticsearch)).is_some());
        assert!(lookup("/_sql/translate", Some(Product::OpenSearch)).is_none());
        assert!(lookup("/logs/_search", Some(Product::OpenSearch)).is_some());
        assert!(lookup("/logs/_search", Some(Product::CrateDb)).is_none());
    }
}
