//! InfluxDB 1.x: a point written in line protocol, read back with
//! InfluxQL; the database comes from the URI (`db=`), the credentials
//! from its userinfo (basic auth, which InfluxDB 1.x takes).
//!
//!     HTTPDB_URL='https://admin:pw@influx:8086/?ssl_ca_certs=/etc/influx/ca.pem&db=metrics' \
//!         cargo run --example influxdb

fn main() -> Result<(), httpdb::Error> {
    let client = httpdb::Client::from_env("HTTPDB_URL")?;
    println!("{:?}", client.server_info()?.version);
    client.post("/write", "cpu,host=a value=0.5")?;
    let answer: serde_json::Value = client
        .request(httpdb::Method::GET, "/query")
        .query("q", "SELECT last(value) FROM cpu")
        .send()?
        .json()?;
    println!("{answer}");
    Ok(())
}
