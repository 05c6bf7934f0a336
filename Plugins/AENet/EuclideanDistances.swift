import GeoKit

/// d[i, j] = ||a_i - b_j||_2 for (N, D) batches a and b, computed from the
/// differences (not from 2 - 2 a.b), as AENet's losses define it, so the
/// distances stay exact for descriptors that are not normalised.
func euclideanDistances(_ a: Tensor, _ b: Tensor) -> Tensor {
    let (n, m, features) = (a.shape[0], b.shape[0], a.shape[1])
    let differences = a.reshaped([n, 1, features]) - b.reshaped([1, m, features])
    return (differences * differences).sum(axes: [2]).sqrt()
}
