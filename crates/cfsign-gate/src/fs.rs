//! A directory as the origin: tower-http's `ServeDir`, with the errors a client can cause
//! answered 404.

use std::path::{Component, Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use http::header::CONTENT_TYPE;
use http::{HeaderValue, Request, Response, StatusCode};
use tower_service::Service;

use crate::body::GateBody;

/// A directory as the origin behind a gate, as `cfsign serve` serves it: tower-http's `ServeDir` for
/// `dir`, with every file-system error a request itself can cause — no such file, no
/// permission, a name or path too long for the file system, a file where a directory was
/// expected — answered `404 Not Found`. `ServeDir` answers some of those with 500, and a
/// client must never be able to make a 5xx. Other I/O errors are the server's own and stay 500.
///
/// Only regular files and directories are served, reached without a symbolic link: a link
/// would make the file served another than the path the gate checked (a public link into a
/// protected folder, or out of `dir`), and a FIFO or device would hold the request open. Both
/// are answered 404, as an S3 origin, which has neither, would answer.
///
/// [`GateLayer::serve_dir`](crate::GateLayer::serve_dir) puts it behind a gate.
pub fn serve_dir(dir: impl AsRef<std::path::Path>) -> ServeDirectory {
    let root = dir.as_ref().to_path_buf();
    ServeDirectory { files: tower_http::services::ServeDir::new(&root), root }
}

/// The service [`serve_dir`] makes.
#[derive(Clone, Debug)]
pub struct ServeDirectory {
    files: tower_http::services::ServeDir,
    root: PathBuf,
}

type FileBody = tower_http::services::fs::ServeFileSystemResponseBody;

impl<B: Send + 'static> Service<Request<B>> for ServeDirectory {
    type Response = Response<GateBody<FileBody>>;
    type Error = std::convert::Infallible;
    type Future =
        Pin<Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>> + Send + 'static>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if !plain_file(&self.root, request.uri().path()) {
            return Box::pin(async { Ok(status(StatusCode::NOT_FOUND)) });
        }
        let streaming_type = streaming_content_type(request.uri().path());
        let file = self.files.try_call(request);
        Box::pin(async move {
            Ok(match file.await {
                Ok(mut response) => {
                    if let Some(content_type) = streaming_type
                        && response.headers().contains_key(CONTENT_TYPE)
                    {
                        response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
                    }
                    response.map(|body| GateBody::Inner { body })
                }
                Err(error) => {
                    let status = if caused_by_request(&error) {
                        StatusCode::NOT_FOUND
                    } else {
                        tracing::error!(%error, "cfsign gate: could not read a file");
                        StatusCode::INTERNAL_SERVER_ERROR
                    };
                    self::status(status)
                }
            })
        })
    }
}

/// An empty response with `code`.
fn status<B>(code: StatusCode) -> Response<GateBody<B>> {
    let mut response = Response::new(GateBody::Denied { body: None });
    *response.status_mut() = code;
    response
}

/// Whether what `request_path` names under `root` — decoded and walked as `ServeDir` walks it —
/// is reached without a symbolic link and is a regular file, or a directory whose
/// `index.html` (served in its place), if any, is one. What does not exist is left to
/// `ServeDir` (404). `lstat` calls only: nothing is opened, so a FIFO cannot block here.
fn plain_file(root: &Path, request_path: &str) -> bool {
    let decoded = cfsign::wire::percent_decode(request_path.trim_start_matches('/').as_bytes());
    let Ok(decoded) = std::str::from_utf8(&decoded) else {
        return true;
    };
    let kind = |p: &Path| std::fs::symlink_metadata(p).map(|m| m.file_type());
    let mut path = root.to_path_buf();
    for component in Path::new(decoded).components() {
        if let Component::Normal(name) = component {
            path.push(name);
            match kind(&path) {
                Ok(t) if t.is_symlink() => return false,
                Ok(_) => {}
                Err(_) => return true,
            }
        }
    }
    match kind(&path) {
        Ok(t) if t.is_dir() => kind(&path.join("index.html")).map_or(true, |t| t.is_file()),
        Ok(t) => t.is_file(),
        Err(_) => true,
    }
}

/// The media types HLS and DASH files are served with, where `ServeDir`'s guess (from the
/// `mime_guess` table) is not the one players expect: playlists as RFC 8216 and ISO/IEC 23009-1
/// register them, MPEG-TS and fMP4 segments as their registrations say. What an S3 origin
/// serves is the `Content-Type` set at upload; these are the values to set there too.
fn streaming_content_type(path: &str) -> Option<&'static str> {
    const TYPES: [(&str, &str); 6] = [
        ("m3u8", "application/vnd.apple.mpegurl"),
        ("mpd", "application/dash+xml"),
        ("ts", "video/mp2t"),
        ("m4s", "video/iso.segment"),
        ("m4a", "audio/mp4"),
        ("m4v", "video/mp4"),
    ];
    let extension = path.rsplit_once('.')?.1;
    TYPES.iter().find(|(known, _)| known.eq_ignore_ascii_case(extension)).map(|&(_, media_type)| media_type)
}

/// Whether a file-system error comes from the path the client asked for.
fn caused_by_request(error: &std::io::Error) -> bool {
    use std::io::ErrorKind as K;
    matches!(
        error.kind(),
        K::NotFound
            | K::PermissionDenied
            | K::NotADirectory
            | K::IsADirectory
            | K::InvalidFilename
            | K::InvalidInput
    )
}
