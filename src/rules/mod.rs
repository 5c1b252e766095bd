//! Conditions and formulas in CEL, over leads and deals.
