//! Ring buffer samples as an async stream, woken by tokio's reactor.

use std::collections::VecDeque;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::unix::AsyncFd;

use super::{RingBuf, RingBufConsumer};
use crate::error::Result;
use crate::plain::Plain;

struct EpollFd(RawFd);

impl AsRawFd for EpollFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

/// The samples of one ring buffer as an async stream
/// ([`futures_core::Stream`] of `Result<T>`, and [`EventStream::next`]).
/// It consumes only when polled, so samples wait in the ring, not in
/// memory, while nobody asks for them.
///
/// It owns its consumer and borrows nothing: `Send` when `T` is.
pub struct EventStream<T> {
    // Dropped before the consumer, which owns the epoll fd.
    fd: AsyncFd<EpollFd>,
    consumer: RingBufConsumer<'static>,
    ready: Arc<Mutex<VecDeque<T>>>,
}

impl<T: Plain + Send + 'static> RingBuf<'_, T> {
    /// The map's samples as an async stream (feature `tokio`). Call it
    /// inside a tokio runtime with IO enabled (outside one, it is an
    /// error, `EINVAL`).
    pub fn stream(&self) -> Result<EventStream<T>> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(crate::Error::MapOp {
                map: self.name().to_owned(),
                op: "set up an event stream (call `stream()` inside a tokio runtime)",
                errno: crate::Errno::new(libc::EINVAL),
            });
        }
        let ready: Arc<Mutex<VecDeque<T>>> = Arc::default();
        let sink = Arc::clone(&ready);
        let consumer = self.consumer(move |event: &T| {
            sink.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push_back(*event)
        })?;
        let fd = consumer
            .epoll_fd()
            .expect("bug: a consumer of one map has a ring buffer");
        // SAFETY: the epoll fd belongs to `consumer`, which the stream
        // owns and drops after `fd` (field order).
        let fd = unsafe { AsyncFd::register(EpollFd(fd)) }.map_err(|e| crate::Error::MapOp {
            map: self.name().to_owned(),
            op: "register with the tokio reactor",
            errno: crate::Errno::new(std::io::Error::from(e).raw_os_error().unwrap_or(libc::EIO)),
        })?;
        Ok(EventStream {
            consumer,
            ready,
            fd,
        })
    }
}

impl<T: Plain> EventStream<T> {
    /// The next sample, waiting for one.
    pub async fn next(&mut self) -> Result<T> {
        std::future::poll_fn(|cx| self.poll_event(cx)).await
    }

    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Result<T>> {
        loop {
            if let Some(event) = self
                .ready
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .pop_front()
            {
                return Poll::Ready(Ok(event));
            }
            let mut guard = match self.fd.poll_read_ready(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(guard)) => guard,
                Poll::Ready(Err(e)) => {
                    return Poll::Ready(Err(crate::Error::MapOp {
                        map: self.consumer.what(),
                        op: "wait for events",
                        errno: crate::Errno::new(e.raw_os_error().unwrap_or(libc::EIO)),
                    }));
                }
            };
            if let Err(e) = self.consumer.consume() {
                return Poll::Ready(Err(e));
            }
            guard.clear_ready();
        }
    }
}

impl<T> std::fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("consumer", &self.consumer)
            .finish_non_exhaustive()
    }
}

impl<T: Plain> futures_core::Stream for EventStream<T> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T>>> {
        self.get_mut().poll_event(cx).map(Some)
    }
}
