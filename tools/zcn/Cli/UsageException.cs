using System;

namespace ZeroCopyNative.Tool.Cli;

/// <summary>A usage error: the command line is wrong. zcn prints the message and exits with code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
