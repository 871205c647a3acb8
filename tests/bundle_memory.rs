//! Peak heap use of building a bundle, measured with a counting allocator: at most 2× the
//! DER size of the certificates it holds (the input text is the caller's and not counted).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::{BundleOptions, TrustBundle};
use support::counting::{Counting, peak_of};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn peak_heap_is_at_most_twice_the_der_size() {
    let pems = support::realistic_ca_pems(2000, 77);
    // Two overlapping sources, as in the bench.
    let a = pems[..1200].concat();
    let b = pems[800..].concat();
    let (built, peak) = peak_of(|| {
        TrustBundle::from_sources(
            [("a", a.as_str()), ("b", b.as_str())],
            BundleOptions::default(),
        )
        .unwrap()
    });
    let der: usize = built.bundle.certificates().map(|c| c.der().len()).sum();
    assert_eq!(built.bundle.len(), 2000);
    let ratio = peak as f64 / der as f64;
    println!(
        "bundle of {} anchors: DER {der} bytes, peak heap {peak} bytes, ratio {ratio:.2}",
        built.bundle.len()
    );
    assert!(
        ratio <= 2.0,
        "peak heap {peak} is {ratio:.2}x the DER size {der}"
    );
}
