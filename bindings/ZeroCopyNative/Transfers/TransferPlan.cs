using System;

namespace ZeroCopyNative;

/// <summary>
/// What the transfer chain is asked to do, checked and resolved from <see cref="TransferOptions"/>, plus two
/// parameters that exist for the tests, which drive every branch of the chain against the real kernel: where the chain
/// starts, and how many bytes its first step may move before it counts as refused. They are parameters of this one
/// internal entry point; nothing in the library's state changes its behaviour.
/// </summary>
internal readonly struct TransferPlan
{
    public TransferPlan(TransferOptions? options)
    {
        Count = options?.Count ?? long.MaxValue;
        Method = options?.Method;
        KeepHoles = options?.KeepHoles ?? true;
        Progress = options?.Progress;
        FirstStep = TransferMethod.CopyFileRange;
        FirstStepLimit = long.MaxValue;
    }

    /// <summary>The most bytes to move; long.MaxValue for "until the source ends".</summary>
    public long Count { get; init; }

    /// <summary>A forced method, or null for the chain.</summary>
    public TransferMethod? Method { get; init; }

    /// <summary>Keep the holes of a sparse file copied into a file.</summary>
    public bool KeepHoles { get; init; }

    /// <summary>Where progress goes, or null.</summary>
    public IProgress<long>? Progress { get; init; }

    /// <summary>Tests: the chain starts at this step (the faster ones are skipped; later ones still serve).</summary>
    public TransferMethod FirstStep { get; init; }

    /// <summary>Tests: the first step that runs moves at most this many bytes and then counts as refused, forcing a
    /// fallback part-way through.</summary>
    public long FirstStepLimit { get; init; }

    /// <summary>Whether the transfer is bounded by a count.</summary>
    public bool Bounded => Count != long.MaxValue;

    /// <summary>Rejects options that can never work, before any system call.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count or offset is negative, or the method is not one the
    /// chain runs.</exception>
    public static void Validate(TransferOptions? options)
    {
        if (options == null)
        {
            return;
        }

        Descriptors.CheckOffset(options.Count, "options.Count");
        Descriptors.CheckOffset(options.SourceOffset, "options.SourceOffset");
        Descriptors.CheckOffset(options.DestinationOffset, "options.DestinationOffset");
        if (options.Method is TransferMethod method && method is < TransferMethod.CopyFileRange or > TransferMethod.ReadWrite)
        {
            throw new ArgumentOutOfRangeException("options.Method", method,
                "A forced method is one of CopyFileRange, SendFile, Splice, SpliceThroughPipe or ReadWrite.");
        }
    }
}
