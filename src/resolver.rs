//! Name resolution: ureq's resolver, with a failed lookup reported as
//! "does not resolve" (a connect failure) rather than a bare I/O error.

use std::io;

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// [`DefaultResolver`] with lookup failures as `NotFound` I/O errors.
#[derive(Debug, Default)]
pub(crate) struct HostResolver(DefaultResolver);

impl Resolver for HostResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        self.0.resolve(uri, config, timeout).map_err(|e| match e {
            ureq::Error::Io(e) => ureq::Error::Io(io::Error::new(
                io::ErrorKind::NotFound,
                format!("the host name does not resolve ({e})"),
            )),
            other => other,
        })
    }
}
