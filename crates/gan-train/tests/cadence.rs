//! Evaluation cadence: every N steps or every M minutes of training time, and the time spent
//! in hooks (evaluations) left out of the training time and of `Until::minutes`.

mod common;

use std::time::Duration;

use common::*;
use gan_nn::{GanDiscriminator, GanGenerator};
use gan_train::*;

#[test]
fn a_minutes_cadence_falls_on_its_grid_of_training_time() {
    let mut clock = CadenceClock::new(Cadence::Minutes(0.5));
    assert_eq!(clock.every(), Some(1));
    // First seen at 10 s: due at 30 s, then at the next multiple of 30 s after each run.
    assert!(!clock.due(1, 10.0));
    assert!(!clock.due(2, 29.9));
    assert!(clock.due(3, 30.0));
    assert!(!clock.due(4, 59.0));
    // A long step jumps past several periods: one evaluation, then the next period after it.
    assert!(clock.due(5, 100.0));
    assert!(!clock.due(6, 119.0));
    assert!(clock.due(7, 120.5));
    // A resumed run (first seen at 95 s) keeps the grid: next due at 120 s, not at 125 s.
    let mut resumed = CadenceClock::new(Cadence::Minutes(0.5));
    assert!(!resumed.due(1, 95.0));
    assert!(resumed.due(2, 120.0));

    let mut steps = CadenceClock::new(Cadence::from(3));
    assert_eq!(steps.every(), Some(3));
    assert!(steps.due(6, 0.0) && !steps.due(7, 0.0));

    for bad in [
        Cadence::Steps(0),
        Cadence::Minutes(0.0),
        Cadence::Minutes(-1.0),
        Cadence::Minutes(f64::NAN),
        Cadence::Minutes(f64::INFINITY),
    ] {
        assert!(!bad.is_valid(), "{bad:?}");
    }
    assert!(Cadence::Minutes(1e-6).is_valid() && Cadence::Steps(1).is_valid());
}

/// Sleeps in every `on_step` and on every checkpoint (a slow evaluation).
struct Slow(Duration);

impl<G: GanGenerator<D>, Dm: GanDiscriminator<D>, const D: usize> Hook<G, Dm, D> for Slow {
    fn every(&self) -> Option<u64> {
        Some(1)
    }
    fn on_step(
        &mut self,
        _: &Trainer<G, Dm, D>,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        std::thread::sleep(self.0);
        Ok(())
    }
}

#[test]
fn time_in_hooks_is_not_training_time() {
    let _rng = rng_lock();
    let config = toy_config(Schedule::Simultaneous);
    let mut t = MlpTrainer::mlp(&config, gaussian_data(), &cpu()).unwrap();
    let started = std::time::Instant::now();
    t.train(
        &Until::steps(4),
        &mut [&mut Slow(Duration::from_millis(300))],
    )
    .unwrap();
    let wall = started.elapsed().as_secs_f64();
    assert!(wall >= 1.2, "{wall}");
    // Four steps of the toy model take milliseconds; the 1.2 s of sleeping is left out.
    assert!(
        t.elapsed_secs() < wall - 1.15,
        "{} of {wall}",
        t.elapsed_secs()
    );

    // --minutes counts training time: with a hook sleeping 50 ms after every step, a limit of
    // 0.2 s of training runs far more than the 4 steps that 0.2 s of wall time would allow.
    let before = t.elapsed_secs();
    let until = Until {
        minutes: Some(0.2 / 60.0),
        ..Until::default()
    };
    let summary = t
        .train(&until, &mut [&mut Slow(Duration::from_millis(50))])
        .unwrap();
    assert!(summary.steps_run > 8, "{summary:?}");
    assert!(t.elapsed_secs() - before >= 0.2);
}

#[test]
fn parzen_evaluations_by_training_minutes_record_their_own_time() {
    let _rng = rng_lock();
    let dir = tempfile::tempdir().unwrap();
    let config = toy_config(Schedule::Simultaneous);
    let data = gaussian_data();
    let valid = data.head(200).to_tensor(&cpu());
    let test = data.slice(200..400).unwrap().to_tensor(&cpu());
    let mut t = MlpTrainer::create_mlp_run(&config, data, &cpu(), dir.path()).unwrap();
    let period_s = 0.05;
    let mut hook = ParzenHook::new(Cadence::Minutes(period_s / 60.0), 300, valid, test).unwrap();
    t.train(&Until::steps(400), &mut [&mut hook]).unwrap();
    let text = std::fs::read_to_string(dir.path().join(PARZEN_FILE)).unwrap();
    let records: Vec<ParzenRecord> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!records.is_empty());
    // One evaluation per period of training time at most, each after its period began.
    let periods: Vec<u64> = records
        .iter()
        .map(|r| (r.wall_time_s / period_s).floor() as u64)
        .collect();
    assert!(periods[0] >= 1, "{periods:?}");
    assert!(periods.windows(2).all(|w| w[1] > w[0]), "{periods:?}");
    for r in &records {
        assert!(r.eval_time_s.unwrap() > 0.0 && r.report.mean.is_finite());
    }
    assert!(t.elapsed_secs() >= records.last().unwrap().wall_time_s);
    assert!(ParzenHook::new(Cadence::Minutes(0.0), 10, data_rows(), data_rows()).is_err());
}

fn data_rows() -> burn::tensor::Tensor<2> {
    gaussian_data().head(10).to_tensor(&cpu())
}
