//! Helpers shared by gan-data's test files.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A file server on 127.0.0.1 for the duration of a test.
pub struct Server {
    /// The base URL: `http://127.0.0.1:PORT/mnist`.
    pub url: String,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Serves `files` by name under `/mnist/`; anything else is a 404.
    pub fn start(files: HashMap<String, Vec<u8>>) -> Self {
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let url = format!("http://{}/mnist", server.server_addr().to_ip().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                let Ok(Some(req)) = server.recv_timeout(std::time::Duration::from_millis(50))
                else {
                    continue;
                };
                let name = req.url().strip_prefix("/mnist/").unwrap_or("").to_string();
                let _ = match files.get(&name) {
                    Some(body) => req.respond(tiny_http::Response::from_data(body.clone())),
                    None => req.respond(tiny_http::Response::empty(404)),
                };
            }
        });
        Server {
            url,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
