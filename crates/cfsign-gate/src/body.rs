//! [`GateBody`]: the inner service's body, or the gate's own.

// pin-project-lite cannot document the fields of enum variants; the variants are documented.
#![allow(missing_docs)]

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;

pin_project_lite::pin_project! {
    /// The inner service's body, or CloudFront's 403 XML.
    #[project = GateBodyProj]
    pub enum GateBody<B> {
        /// The inner service's body.
        Inner { #[pin] body: B },
        /// A body of the gate's own: CloudFront's XML, a 400 or 404 (until sent).
        Denied { body: Option<Bytes> },
    }
}

impl<B> http_body::Body for GateBody<B>
where
    B: http_body::Body<Data = Bytes>,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        match self.project() {
            GateBodyProj::Inner { body } => body.poll_frame(cx),
            GateBodyProj::Denied { body } => Poll::Ready(body.take().map(|b| Ok(http_body::Frame::data(b)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            GateBody::Inner { body } => body.is_end_stream(),
            GateBody::Denied { body } => body.is_none(),
        }
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match self {
            GateBody::Inner { body } => body.size_hint(),
            GateBody::Denied { body } => {
                http_body::SizeHint::with_exact(body.as_ref().map_or(0, |b| b.len() as u64))
            }
        }
    }
}
