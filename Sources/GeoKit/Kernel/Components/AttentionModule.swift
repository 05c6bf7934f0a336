import GeoKitCore

/// Feature map -> feature map of the same shape (USAM, Triplet Attention, ...).
public protocol AttentionModule: Module {}
