//! The global stream position: one counter orders every change a client can
//! sync (events, receipts, account data, presence, typing), and a watch
//! channel wakes long-polling /sync requests when it moves.
//!
//! Positions are handed out as [`Slot`]s. The published position only
//! advances past a slot once it is dropped (written or abandoned), so a
//! sync token never skips a write that is still in flight in another room.
//! Positions are reserved in blocks persisted in `counters`, so a position
//! handed out (even for in-memory typing) is never reused after a restart.

use std::{collections::BTreeSet, sync::Mutex};

use plexus_storage::Db;
use tokio::sync::watch;

use crate::{tables::Counters, Result};

const RESERVATION_KEY: &str = "stream_reserved";
const BLOCK: u64 = 10_000;

struct Allocator {
    next: u64,
    reserved: u64,
    in_flight: BTreeSet<u64>,
}

pub struct Stream {
    allocator: Mutex<Allocator>,
    notify: watch::Sender<u64>,
    closing: std::sync::atomic::AtomicBool,
}

/// An allocated position; publishing happens when it is dropped.
pub struct Slot<'a> {
    stream: &'a Stream,
    position: u64,
}

impl Slot<'_> {
    pub fn position(&self) -> u64 {
        self.position
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.stream.complete(self.position);
    }
}

/// The first position of a new database. Room timelines are keyed by
/// position; the range below is left free for history fetched later from
/// other servers (backfill), which sorts before a room's first local event.
pub const FIRST_POSITION: u64 = 1 << 32;

impl Stream {
    /// Resumes after the highest reservation ever persisted.
    pub fn open(db: &Db) -> Result<Stream> {
        let reserved = db
            .get::<Counters>(&RESERVATION_KEY.into())?
            .unwrap_or(FIRST_POSITION - 1);
        let (notify, _) = watch::channel(reserved);
        Ok(Stream {
            allocator: Mutex::new(Allocator {
                next: reserved + 1,
                reserved,
                in_flight: BTreeSet::new(),
            }),
            notify,
            closing: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Ends every long-poll now: the server is shutting down and must not wait
    /// out their timeouts.
    pub fn close(&self) {
        self.closing
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.notify.send_modify(|_| {});
    }

    pub fn is_closing(&self) -> bool {
        self.closing.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Allocates the next position, persisting a new reservation block when needed.
    pub fn allocate(&self, db: &Db) -> Result<Slot<'_>> {
        let mut alloc = self.allocator.lock().expect("stream lock poisoned");
        let position = alloc.next;
        if position > alloc.reserved {
            let reservation = position + BLOCK;
            db.put::<Counters>(&RESERVATION_KEY.into(), &reservation)?;
            alloc.reserved = reservation;
        }
        alloc.next += 1;
        alloc.in_flight.insert(position);
        Ok(Slot {
            stream: self,
            position,
        })
    }

    fn complete(&self, position: u64) {
        let mut alloc = self.allocator.lock().expect("stream lock poisoned");
        alloc.in_flight.remove(&position);
        let visible = match alloc.in_flight.first() {
            Some(first) => first - 1,
            None => alloc.next - 1,
        };
        drop(alloc);
        self.notify.send_if_modified(|current| {
            let moved = visible > *current;
            if moved {
                *current = visible;
            }
            moved
        });
    }

    /// The newest position up to which every write is visible.
    pub fn current(&self) -> u64 {
        *self.notify.borrow()
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.notify.subscribe()
    }
}
