//! The QR reader worker's pipe protocol: any byte stream is answered frame by frame or
//! refused with an error, never a crash or an unbounded allocation.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = brigada_core::qr::worker::serve(data, std::io::sink());
});
