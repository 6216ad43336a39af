namespace TuneSharp;

/// <summary>
/// A configuration or usage error found by TuneSharp, raised before any trial runs where possible.
/// The message names the thing, the value and the fix.
/// </summary>
public class TuneException : Exception
{
    /// <summary>Creates the error with a message that names the thing, the value and the fix.</summary>
    public TuneException(string message) : base(message) { }

    /// <summary>Creates the error with a message and the exception that caused it.</summary>
    public TuneException(string message, Exception inner) : base(message, inner) { }
}
