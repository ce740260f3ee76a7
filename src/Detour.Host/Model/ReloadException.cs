namespace Detour.Host.Model;

/// <summary>A reload could not be done; the message is meant for the user as it is.</summary>
public sealed class ReloadException(string message, Exception? inner = null) : Exception(message, inner);
