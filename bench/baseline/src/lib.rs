//! The bench's baseline (issue 21): the plainest chat room a Worker can be, so that the
//! relay's latency and CPU per message are read as ratios to it on the same machine.
//!
//! `GET /rooms/{name}/ws` opens a socket on the room `name`, one Durable Object per room.
//! Each text frame a socket sends is kept with the key-value storage API and sent as is to
//! the room's other sockets: no parsing, no sequencing, no de-duplication, no
//! acknowledgement. What the relay does beyond this is what the ratios price.

#[cfg(target_arch = "wasm32")]
mod room;
