namespace ZeroCopyNative;

/// <summary>Whether a <see cref="MappedFile"/> can be written through (the PROT_* bits given to mmap(2)).</summary>
public enum MappedFileAccess
{
    /// <summary>PROT_READ: the mapping can only be read; <see cref="MappedFile.Span"/> and
    /// <see cref="MappedFile.Memory"/> refuse to hand out writable views.</summary>
    ReadOnly = 0,

    /// <summary>PROT_READ | PROT_WRITE: the mapping can be read and written.</summary>
    ReadWrite = 1,
}

/// <summary>Whether writes to a <see cref="MappedFile"/> reach the file and other mappings (MAP_SHARED) or stay
/// private to this mapping (MAP_PRIVATE, copy-on-write).</summary>
public enum MappedFileSharing
{
    /// <summary>MAP_SHARED: writes go to the page cache, are seen by every other mapping and reader of the file, and
    /// are written back to the file (<see cref="MappedFile.Flush(long, long, bool)"/> forces that).</summary>
    Shared = 0,

    /// <summary>MAP_PRIVATE: the first write to a page copies it; the file and other mappings never see the
    /// change.</summary>
    Private = 1,
}
