//! `cargo run --bin mail-sink -- [--host 127.0.0.1] [--port 8025] [--tls | --ssl] [--auth USER:PASSWORD]`:
//! the debugging SMTP server, printing every message it receives
//! ([`mail_sink::command`]).

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = std::env::args().skip(1);
    mail_sink::command::run(args, &mut std::io::stdout(), Path::new(""))
}
