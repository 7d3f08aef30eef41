//! The GenVM artifact: `_start` reads the message from stdin, keeps storage in slots, sends events
//! and transfers through `gl_call`, and ends as `Return` or `Rollback`. The only `unsafe` of this
//! flavor is here. Natively this crate is empty: it exists to be built for `wasm32v1-none`.
#![cfg_attr(target_family = "wasm", no_std)]

#[cfg(target_family = "wasm")]
extern crate alloc;

#[cfg(target_family = "wasm")]
mod start {

    use alloc::vec::Vec;

    use api_usage_billing::genvm::protocol::{self, Message, SLOT_HEADER};
    use api_usage_billing::{Address, CallBilled, Error, Event, Host, JsonText, Receipt, Value};

    #[global_allocator]
    static ALLOCATOR: billing_wasm_runtime::BumpAllocator = billing_wasm_runtime::BumpAllocator::new();

    /// A panic is a bug, never an answer to input; it still ends the call as a rollback, not a trap.
    #[panic_handler]
    fn panic(_info: &core::panic::PanicInfo) -> ! {
        call(protocol::PANIC_ROLLBACK);
        core::arch::wasm32::unreachable()
    }

    #[link(wasm_import_module = "genlayer_sdk")]
    extern "C" {
        fn storage_read(slot: *const u8, index: u32, buf: *mut u8, len: u32) -> u32;
        fn storage_write(slot: *const u8, index: u32, buf: *const u8, len: u32) -> u32;
        fn gl_call(request: *const u8, request_len: u32, out_fd: *mut u32) -> u32;
    }

    #[link(wasm_import_module = "wasi_snapshot_preview1")]
    extern "C" {
        fn fd_read(fd: u32, iovs: *const [u32; 2], iovs_len: u32, nread: *mut u32) -> u32;
        fn fd_write(fd: u32, iovs: *const [u32; 2], iovs_len: u32, nwritten: *mut u32) -> u32;
    }

    const STDIN: u32 = 0;
    const STDOUT: u32 = 1;
    const STDERR: u32 = 2;
    /// Records are small: one read of header and this much covers nearly every one.
    const FIRST_READ: usize = 252;

    /// A host error is a VM failure, never the caller's: say so on stderr and trap.
    fn host_failed(what: &str, errno: u32) -> ! {
        let mut line = alloc::string::String::from("genvm host error: ");
        line.push_str(what);
        line.push_str(" returned errno ");
        line.push_str(&api_usage_billing::Int::from(u64::from(errno)).to_decimal());
        line.push('\n');
        write_fd(STDERR, line.as_bytes());
        core::arch::wasm32::unreachable()
    }

    fn check(what: &str, errno: u32) {
        if errno != 0 {
            host_failed(what, errno);
        }
    }

    fn write_fd(fd: u32, bytes: &[u8]) {
        let iov = [bytes.as_ptr() as u32, bytes.len() as u32];
        let mut written = 0u32;
        // SAFETY: one iovec over `bytes`, valid for the call; `written` is a valid u32 out-pointer.
        unsafe { fd_write(fd, &iov, 1, &mut written) };
    }

    fn read_stdin() -> Vec<u8> {
        let mut message = Vec::new();
        let mut chunk = [0u8; 1024];
        loop {
            let iov = [chunk.as_mut_ptr() as u32, chunk.len() as u32];
            let mut read = 0u32;
            // SAFETY: one iovec over `chunk`, writable for its length; `read` is a valid out-pointer.
            check("fd_read", unsafe { fd_read(STDIN, &iov, 1, &mut read) });
            match chunk.get(..read as usize) {
                Some(bytes) if !bytes.is_empty() => message.extend_from_slice(bytes),
                _ => return message,
            }
        }
    }

    fn call(request: &[u8]) {
        let mut fd = 0u32;
        // SAFETY: the request is valid for its length; `fd` is a valid u32 out-pointer.
        check("gl_call", unsafe { gl_call(request.as_ptr(), request.len() as u32, &mut fd) });
    }

    struct GenvmHost {
        sender: Address,
        value: u128,
        timestamp: u64,
        /// Slot ids hashed in this call: a bill reads and writes the same three records, and SHA3 in
        /// wasm is the costliest thing it does.
        slots: Vec<(Vec<u8>, [u8; 32])>,
        /// A bill's receipt: the call's `Return` is written from it, not from the `Value` answered.
        receipt: Option<Receipt>,
        /// A report's JSON: the call's `Return` is written around it, not from a `Value`.
        json: Option<JsonText>,
    }

    impl GenvmHost {
        fn slot(&mut self, key: &[u8]) -> [u8; 32] {
            if let Some((_, slot)) = self.slots.iter().find(|(known, _)| known == key) {
                return *slot;
            }
            let slot = protocol::slot_id(key);
            self.slots.push((key.to_vec(), slot));
            slot
        }
    }

    impl Host for GenvmHost {
        fn storage_get(&mut self, key: &[u8]) -> Option<Vec<u8>> {
            let slot = self.slot(key);
            let mut first = [0u8; SLOT_HEADER + FIRST_READ];
            // SAFETY: the slot id is 32 bytes; the buffer is writable for the length passed.
            check("storage_read", unsafe {
                storage_read(slot.as_ptr(), 0, first.as_mut_ptr(), first.len() as u32)
            });
            let header: [u8; SLOT_HEADER] = first.get(..SLOT_HEADER)?.try_into().ok()?;
            let len = protocol::slot_len(header)?;
            if let Some(value) = first.get(SLOT_HEADER..SLOT_HEADER + len) {
                return Some(value.to_vec());
            }
            let mut value = alloc::vec![0u8; len];
            // SAFETY: as above, the rest of the value into a buffer of its length.
            check("storage_read", unsafe {
                storage_read(slot.as_ptr(), SLOT_HEADER as u32, value.as_mut_ptr(), len as u32)
            });
            Some(value)
        }

        fn storage_set(&mut self, key: &[u8], value: &[u8]) {
            let slot = self.slot(key);
            let bytes = protocol::slot_bytes(value);
            // SAFETY: the slot id is 32 bytes; `bytes` is valid for its length.
            check("storage_write", unsafe {
                storage_write(slot.as_ptr(), 0, bytes.as_ptr(), bytes.len() as u32)
            });
        }

        fn storage_remove(&mut self, key: &[u8]) {
            let slot = self.slot(key);
            let absent = [0u8; SLOT_HEADER];
            // SAFETY: the slot id is 32 bytes; the header is valid for its length.
            check("storage_write", unsafe {
                storage_write(slot.as_ptr(), 0, absent.as_ptr(), absent.len() as u32)
            });
        }

        fn block_timestamp(&self) -> u64 {
            self.timestamp
        }

        fn sender(&self) -> Address {
            self.sender
        }

        fn attached_value(&self) -> u128 {
            self.value
        }

        fn send_value(&mut self, to: &Address, amount: u128) {
            call(&protocol::eth_send_request(to, amount));
        }

        fn emit_event(&mut self, event: Event) {
            call(&protocol::emit_event_request(&event));
        }

        fn emit_call_billed(&mut self, event: CallBilled) {
            call(&protocol::call_billed_request(&event));
        }

        fn answer_receipt(&mut self, receipt: Receipt) -> Value {
            self.receipt = Some(receipt);
            Value::Null
        }

        fn answer_json(&mut self, json: JsonText) -> Value {
            self.json = Some(json);
            Value::Null
        }
    }

    /// A call's `Return`: its request, or a report's JSON that the request is written around.
    enum Answer {
        Request(Vec<u8>),
        Json(JsonText),
    }

    /// The call, as its `Return` request.
    fn run(message: &Message) -> Result<Answer, Error> {
        let mut host = GenvmHost {
            sender: message.sender,
            value: message.value,
            timestamp: message.timestamp,
            slots: Vec::new(),
            receipt: None,
            json: None,
        };
        let value = api_usage_billing::genvm::run_message(&mut host, message)?;
        Ok(match (host.receipt, host.json) {
            (Some(receipt), _) => Answer::Request(protocol::receipt_return_request(&receipt)),
            (None, Some(json)) => Answer::Json(json),
            (None, None) => Answer::Request(protocol::return_request(&value)),
        })
    }

    /// GenVM's entry: one message in, `Return(value)` or `Rollback(message)` out.
    #[no_mangle]
    pub extern "C" fn _start() {
        let result = protocol::parse_message(&read_stdin()).and_then(|message| run(&message));
        match result {
            Ok(Answer::Request(request)) => call(&request),
            Ok(Answer::Json(mut json)) => call(protocol::json_return_request(&mut json)),
            Err(error) => {
                write_fd(STDOUT, protocol::refusal_log_line(&error).as_bytes());
                call(&protocol::rollback_request(&error));
            }
        }
    }
}
