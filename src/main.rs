//! The `hoga` binary.

fn main() {
    println!("hoga: under construction");
}
