//! The Worker's fetch handler and the `Room` Durable Object (wasm only).

use std::cell::Cell;
// The `durable_object` attribute expands to code that names `wasm_bindgen` at this path.
use worker::{
    durable_object, event, wasm_bindgen, Context, DurableObject, Env, Request, Response, Result,
    State, WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

/// Routes `GET /rooms/{name}/ws` to the room's object; anything else is 404.
#[event(fetch)]
pub async fn fetch(request: Request, env: Env, _ctx: Context) -> Result<Response> {
    let path = request.path();
    let name = path
        .strip_prefix("/rooms/")
        .and_then(|rest| rest.strip_suffix("/ws"))
        .filter(|name| !name.is_empty() && !name.contains('/'));
    match name {
        Some(name) => {
            let namespace = env.durable_object("ROOM")?;
            let stub = namespace.id_from_name(name)?.get_stub()?;
            stub.fetch_with_request(request).await
        }
        None => Response::error("not found", 404),
    }
}

/// One chat room: its sockets (hibernating, held by the runtime) and its stored messages.
#[durable_object]
pub struct Room {
    state: State,
    /// Makes each stored key unique within this instance's life; with the time it keeps
    /// keys apart across restarts. Not a sequence: nothing reads it back.
    stored: Cell<u64>,
}

impl DurableObject for Room {
    fn new(state: State, _env: Env) -> Self {
        Room {
            state,
            stored: Cell::new(0),
        }
    }

    /// Opens a socket on the room (the only request the Worker forwards).
    async fn fetch(&self, _request: Request) -> Result<Response> {
        let pair = WebSocketPair::new()?;
        self.state.accept_web_socket(&pair.server);
        Response::from_websocket(pair.client)
    }

    /// Sends the frame to every other socket of the room, then keeps it.
    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        let WebSocketIncomingMessage::String(text) = message else {
            return Ok(());
        };
        for other in self.state.get_websockets() {
            if other != ws {
                // A socket that has gone away is not the sender's failure.
                let _ = other.send_with_str(&text);
            }
        }
        let count = self.stored.get() + 1;
        self.stored.set(count);
        let key = format!("{}-{count}", worker::Date::now().as_millis());
        self.state.storage().put(&key, text).await
    }

    async fn websocket_close(
        &self,
        _ws: WebSocket,
        _code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> Result<()> {
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, _error: worker::Error) -> Result<()> {
        Ok(())
    }
}
