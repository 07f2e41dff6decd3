//! Every published pattern text (and every intended correction) is a valid filter pattern.

use cis_catalogue::{controls, Benchmark, Check};

#[test]
fn every_published_and_intended_pattern_parses() {
    let mut checked = 0;
    for benchmark in Benchmark::ALL {
        for control in controls(benchmark) {
            let Check::MetricFilterAlarm { patterns } = control.check else {
                continue;
            };
            for pattern in patterns {
                let mut texts = vec![pattern.text];
                texts.extend(pattern.known_wrong.map(|wrong| wrong.intended));
                for text in texts {
                    if let Err(error) = filter_pattern::parse(text) {
                        panic!(
                            "{benchmark} {} ({}): {error}\n{text}",
                            control.id, pattern.variant
                        );
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 150, "only {checked} texts checked");
}
