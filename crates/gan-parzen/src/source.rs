//! Where the evaluator's samples come from: [`SampleSource`], and a tensor as one.

use burn::tensor::Tensor;

use crate::ParzenError;

/// The samples of a Parzen window, given a chunk at a time, as many times as the evaluator
/// asks: a tensor in memory, or a source that reads a file or draws from a generator again,
/// so that the evaluator's memory does not grow with the number of samples.
pub trait SampleSource {
    /// `[samples, width]`.
    fn shape(&self) -> [usize; 2];

    /// Calls `f` with every sample, in order, in chunks of at most `max_rows` rows; stops at
    /// the first error.
    fn for_each_chunk(
        &self,
        max_rows: usize,
        f: &mut dyn FnMut(Tensor<2>) -> Result<(), ParzenError>,
    ) -> Result<(), ParzenError>;
}

impl SampleSource for Tensor<2> {
    fn shape(&self) -> [usize; 2] {
        self.dims()
    }

    fn for_each_chunk(
        &self,
        max_rows: usize,
        f: &mut dyn FnMut(Tensor<2>) -> Result<(), ParzenError>,
    ) -> Result<(), ParzenError> {
        let n = self.dims()[0];
        let step = max_rows.max(1);
        (0..n)
            .step_by(step)
            .try_for_each(|start| f(self.clone().narrow(0, start, step.min(n - start))))
    }
}
