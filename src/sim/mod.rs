//! kis-sim: the synthetic market and the KIS wire server behind the `kis-sim` binary.
