//! The `kis-sim` binary: a faithful local KIS Open API server.

fn main() {
    println!("kis-sim: under construction");
}
