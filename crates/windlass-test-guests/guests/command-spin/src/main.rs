//! A WASI command on the fallback ABI that loops forever without reading its
//! input or calling the host.

fn main() {
    let mut n: u64 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}
