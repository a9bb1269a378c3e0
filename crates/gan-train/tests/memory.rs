//! The memory limit: a model and batch whose estimate exceeds it are refused before anything
//! is allocated, with what they would take; raising the limit lets them through. One test in
//! its own binary, since the limit is process-wide.

use gan_data::Dataset;
use gan_nn::SizeEstimate;
use gan_train::*;

#[test]
fn models_over_the_memory_limit_are_refused_before_they_are_built() {
    assert_eq!(memory_limit(), DEFAULT_MEMORY_LIMIT);
    // The paper's MLP sized for one 15,000 × 15,000 grey image a row (as `gan train --data`
    // on such a PNG builds it): about 270 billion parameters.
    let config = RunConfig::paper_mnist_for(15_000 * 15_000);
    let ModelConfig::Mlp(model) = &config.model else {
        unreachable!()
    };
    let size = model.size().unwrap();
    let expected_params = 101 * 1200 + 1201 * 1200 + 1201 * 225_000_000u64;
    assert!(size.parameters > expected_params, "{size:?}");
    let data = Dataset::new(vec![0.5; 16], vec![16], None).unwrap();
    let device = gan_backend::Backend::Flex.device();
    let err = MlpTrainer::mlp(&config, data.clone(), &device)
        .err()
        .unwrap();
    let text = err.to_string();
    assert!(matches!(err, TrainError::MemoryLimit { .. }), "{text}");
    assert!(
        text.contains("--preset dcgan") && text.contains("--memory-limit"),
        "{text}"
    );

    // Around the limit: training bytes = 16 per parameter + 12 per activation and row.
    let size = SizeEstimate {
        parameters: 1 << 20,
        activations_per_row: 1 << 10,
    };
    let need = (16u64 << 20) + 12 * (1 << 10) * 100;
    set_memory_limit(need);
    check_memory(&size, MemoryUse::Training { batch: 100 }).unwrap();
    set_memory_limit(need - 1);
    assert!(check_memory(&size, MemoryUse::Training { batch: 100 }).is_err());
    // Sampling: 4 bytes per parameter and per activation of each row of the batch.
    set_memory_limit(4 * ((1 << 20) + (1 << 10) * 1000));
    check_memory(&size, MemoryUse::Sampling { batch: 1000 }).unwrap();
    assert!(check_memory(&size, MemoryUse::Sampling { batch: 1001 }).is_err());
    set_memory_limit(DEFAULT_MEMORY_LIMIT);
}
