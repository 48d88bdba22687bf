//! Distribution.
