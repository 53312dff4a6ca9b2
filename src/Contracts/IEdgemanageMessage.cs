namespace Edgemanage.Contracts;

/// <summary>
/// Marker for every message and persisted event that may leave the process (journal or wire). The
/// EdgemanageSerializer is bound to this interface; with strict serialization nothing else may be sent
/// remotely or persisted, so a CLR rename can never break stored history.
/// </summary>
public interface IEdgemanageMessage;
