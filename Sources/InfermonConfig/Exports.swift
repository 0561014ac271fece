/// A configuration is read as YAML and reports its problems as YAMLValue errors
/// do; whoever loads one sees those types without importing the YAML target.
@_exported import InfermonYAML
