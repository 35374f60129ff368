//! ClickHouse over HTTPS: a query streamed line by line, its failure
//! midway told apart from a success.
//!
//!     HTTPDB_URL='https://default:pw@ch1:8443,ch2:8443/?ssl_ca_certs=/etc/ch/ca.pem&database=analytics' \
//!         cargo run --example clickhouse -- 'SELECT number FROM system.numbers LIMIT 10'

use std::io::BufRead;

fn main() -> Result<(), httpdb::Error> {
    let client = httpdb::Client::from_env("HTTPDB_URL")?;
    let query = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "SELECT version()".into());
    // The query goes as the body of a POST: ClickHouse takes any length
    // there, and a POST is never sent twice.
    let response = client.post("/", query)?;
    let mut lines = 0u64;
    for line in std::io::BufReader::new(response).lines() {
        match line {
            Ok(line) => {
                lines += 1;
                println!("{line}");
            }
            // A query that failed after its first rows ends in an error
            // (httpdb::Error::Aborted inside the I/O error), not in success.
            Err(e) => {
                eprintln!("after {lines} rows: {e}");
                std::process::exit(1);
            }
        }
    }
    Ok(())
}
