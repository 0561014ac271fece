/// Division rounded toward negative infinity (Swift's `/` rounds toward zero):
/// the interval, hour, day or bucket a time falls in, before 1970 too, and the
/// bounds of the Kolmogorov-Smirnov lattice walk.
@inlinable
public func floorDivide<T: BinaryInteger>(_ value: T, _ divisor: T) -> T {
    let quotient = value / divisor
    return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
}
