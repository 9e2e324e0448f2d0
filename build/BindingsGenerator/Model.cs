namespace ZeroCopyNative.BindingsGenerator;

/// <summary>What the generator keeps of one header: the declarations it binds, in header order.</summary>
internal sealed class HeaderModel
{
    public List<EnumModel> Enums { get; } = new();

    public List<StructModel> Structs { get; } = new();

    public List<FunctionModel> Functions { get; } = new();
}

/// <summary>A C enum and its C# form.</summary>
internal sealed record EnumModel(
    string CName,
    string CSpelling,
    string CsName,
    string UnderlyingCsType,
    string UnderlyingCType,
    bool IsFlags,
    IReadOnlyList<EnumMemberModel> Members,
    DocComment Doc);

/// <summary>One enumerator; Value is the C# literal (decimal, or hex for [Flags] enums).</summary>
internal sealed record EnumMemberModel(string CName, string CsName, string Value, DocComment Doc);

/// <summary>A C struct; CSpelling is how C code names it (for sizeof), e.g. "zcn_iovec" or "struct foo".</summary>
internal sealed record StructModel(
    string CName,
    string CSpelling,
    string CsName,
    IReadOnlyList<FieldModel> Fields,
    DocComment Doc,
    long Size);

/// <summary>How a field is laid out in C#.</summary>
internal enum FieldShape
{
    /// <summary>A plain field.</summary>
    Plain,

    /// <summary>A C array of a primitive: a C# fixed buffer.</summary>
    FixedBuffer,

    /// <summary>A C array of structs or enums: an [InlineArray] helper struct.</summary>
    InlineArray,

    /// <summary>A C array of pointers (not valid as an inline array element): a helper struct with one field per
    /// element and a ref indexer.</summary>
    PointerArray,
}

/// <summary>A struct field. For arrays CsType is the element type and Length the element count.</summary>
internal sealed record FieldModel(
    string CName,
    string CsName,
    string CsType,
    string? NativeTypeName,
    FieldShape Shape,
    long Length,
    DocComment Doc);

/// <summary>An exported function.</summary>
internal sealed record FunctionModel(
    string CName,
    string CsName,
    string ReturnCsType,
    string? ReturnNativeTypeName,
    IReadOnlyList<ParameterModel> Parameters,
    DocComment Doc,
    string Location);

/// <summary>A function parameter; CsName is escaped with '@' where it is a C# keyword.</summary>
internal sealed record ParameterModel(string CName, string CsName, string CsType, string? NativeTypeName);
