//! The memory every session's compositions may hold in files, together: one budget
//! (`--max-upload-memory`) that a file draws on as it is attached to a composition, and gives
//! back when the last copy of it goes — the message sent, the file unticked, the
//! composition forgotten, the session ended however it ends.
//!
//! The giving back cannot be forgotten: the reservation lives inside the file it pays for
//! ([`HeldUpload`]), so whatever drops the file returns its bytes, and no path that ends a
//! composition or a session has to remember to. The budget is a tokio
//! [`Semaphore`] counting bytes: its owned permit is exactly such a guard, released on drop,
//! and `try_acquire_many` never waits, so a full budget refuses at once instead of making
//! a request queue behind other people's uploads. A file is weighed before its bytes are
//! put together ([`Attachable`]): one that is refused never costs a contiguous copy.
//!
//! Beyond the budget a file is refused, not spilled to disk: Posta keeps nothing of anyone's
//! mail on disk (kiosk machines, shared hosts), and a refusal in words ("try again later,
//! or attach a smaller file") costs a person less than an encrypted spill file costs every
//! operator.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::message::outgoing::build::Upload;

/// The budget all sessions' attachments draw on. Cloning shares it.
#[derive(Clone)]
pub struct UploadMemory {
    /// One permit per byte not yet held.
    free: Arc<Semaphore>,
    /// Bytes the budget allows in all (after clamping to what a semaphore can count).
    cap: u64,
}

/// The budget has no room for a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the server holds too many attachments to take {0} bytes more")]
pub struct NoRoom(pub u64);

/// A file about to be held: its size is known before its bytes are put in one piece (an
/// upload arrives in pieces, joined only once the budget has taken it).
pub trait Attachable {
    fn size(&self) -> u64;
    fn into_upload(self) -> Upload;
}

impl Attachable for Upload {
    fn size(&self) -> u64 {
        self.bytes.len() as u64
    }

    fn into_upload(self) -> Upload {
        self
    }
}

impl UploadMemory {
    /// A budget of `cap` bytes.
    pub fn new(cap: u64) -> Self {
        let cap = cap.min(Semaphore::MAX_PERMITS as u64);
        UploadMemory {
            free: Arc::new(Semaphore::new(cap as usize)),
            cap,
        }
    }

    /// Takes `file`'s bytes from the budget, then puts the file in one piece; the bytes
    /// come back when the returned file (and every clone of it) is dropped. A file of more
    /// than 4 GiB is never held in memory.
    pub fn hold(&self, file: impl Attachable) -> Result<HeldUpload, NoRoom> {
        let size = file.size();
        let permits = u32::try_from(size).map_err(|_| NoRoom(size))?;
        let reservation = if permits == 0 {
            None
        } else {
            let permit = (self.free.clone())
                .try_acquire_many_owned(permits)
                .map_err(|_| NoRoom(size))?;
            Some(permit)
        };
        Ok(HeldUpload(Arc::new(Held {
            upload: file.into_upload(),
            _reservation: reservation,
        })))
    }

    /// Bytes held now, by every session together.
    pub fn held(&self) -> u64 {
        self.cap - self.free.available_permits() as u64
    }

    pub fn cap(&self) -> u64 {
        self.cap
    }
}

/// A file attached to a composition, with the bytes it holds of the budget. Clones share
/// the file and the reservation; the bytes return when the last clone goes.
#[derive(Clone)]
pub struct HeldUpload(Arc<Held>);

struct Held {
    upload: Upload,
    /// Given back to the budget on drop; `None` for an empty file.
    _reservation: Option<OwnedSemaphorePermit>,
}

impl Deref for HeldUpload {
    type Target = Upload;

    fn deref(&self) -> &Upload {
        &self.0.upload
    }
}

impl fmt::Debug for HeldUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeldUpload")
            .field("name", &self.name)
            .field("size", &self.bytes.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(size: usize) -> Upload {
        Upload {
            name: "f.bin".into(),
            mime: "application/octet-stream".into(),
            bytes: vec![7u8; size].into(),
        }
    }

    #[test]
    fn a_held_file_counts_until_its_last_copy_goes() {
        let memory = UploadMemory::new(100);
        let held = memory.hold(upload(60)).unwrap();
        let copy = held.clone();
        assert_eq!(memory.held(), 60);
        drop(held);
        assert_eq!(memory.held(), 60, "a copy still holds the bytes");
        drop(copy);
        assert_eq!(memory.held(), 0);
    }

    #[test]
    fn a_file_past_the_budget_is_refused_and_takes_nothing() {
        let memory = UploadMemory::new(100);
        let _first = memory.hold(upload(60)).unwrap();
        assert_eq!(memory.hold(upload(41)).unwrap_err(), NoRoom(41));
        assert_eq!(memory.held(), 60);
        let second = memory.hold(upload(40)).unwrap();
        assert_eq!(memory.held(), 100);
        assert_eq!(second.bytes.len(), 40);
        assert!(
            memory.hold(upload(0)).is_ok(),
            "an empty file costs nothing"
        );
    }
}
