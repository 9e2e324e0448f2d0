// The generator's binding of the libclang 14 C API (clang-c/Index.h). This file and the generated
// bindings/ZeroCopyNative/Interop/ are the only places in the repository that declare P/Invokes: the
// generator itself has to bind libclang, as ClangSharp does. Only what the generator uses is declared.
// Layouts verified on x86-64 for libclang 14: CXCursor 32 bytes, CXType 24, CXString 16, CXSourceLocation 24.

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

[assembly: DisableRuntimeMarshalling]

namespace ZeroCopyNative.BindingsGenerator;

/// <summary>CXString: an owned string; pass to <see cref="LibClang.clang_disposeString"/>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXString
{
    public void* data;
    public uint private_flags;
}

/// <summary>CXCursor: a node of the AST.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXCursor
{
    public CXCursorKind kind;
    public int xdata;
    public void* data0;
    public void* data1;
    public void* data2;
}

/// <summary>CXType: a type, valid while its translation unit lives.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXType
{
    public CXTypeKind kind;
    public void* data0;
    public void* data1;
}

/// <summary>CXSourceLocation.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXSourceLocation
{
    public void* ptr_data0;
    public void* ptr_data1;
    public uint int_data;
}

/// <summary>CXCursorKind (the values the generator meets).</summary>
internal enum CXCursorKind
{
    UnexposedDecl = 1,
    StructDecl = 2,
    UnionDecl = 3,
    ClassDecl = 4,
    EnumDecl = 5,
    FieldDecl = 6,
    EnumConstantDecl = 7,
    FunctionDecl = 8,
    VarDecl = 9,
    ParmDecl = 10,
    TypedefDecl = 20,
    StaticAssert = 602,
}

/// <summary>CXTypeKind (libclang 14 numbering).</summary>
internal enum CXTypeKind
{
    Invalid = 0,
    Unexposed = 1,
    Void = 2,
    Bool = 3,
    Char_U = 4,
    UChar = 5,
    Char16 = 6,
    Char32 = 7,
    UShort = 8,
    UInt = 9,
    ULong = 10,
    ULongLong = 11,
    UInt128 = 12,
    Char_S = 13,
    SChar = 14,
    WChar = 15,
    Short = 16,
    Int = 17,
    Long = 18,
    LongLong = 19,
    Int128 = 20,
    Float = 21,
    Double = 22,
    LongDouble = 23,
    Complex = 100,
    Pointer = 101,
    BlockPointer = 102,
    Record = 105,
    Enum = 106,
    Typedef = 107,
    FunctionNoProto = 110,
    FunctionProto = 111,
    ConstantArray = 112,
    Vector = 113,
    IncompleteArray = 114,
    VariableArray = 115,
    Elaborated = 119,
    Attributed = 163,
    ExtVector = 176,
    Atomic = 177,
}

/// <summary>CXChildVisitResult.</summary>
internal enum CXChildVisitResult
{
    Break = 0,
    Continue = 1,
    Recurse = 2,
}

/// <summary>CXDiagnosticSeverity.</summary>
internal enum CXDiagnosticSeverity
{
    Ignored = 0,
    Note = 1,
    Warning = 2,
    Error = 3,
    Fatal = 4,
}

/// <summary>The libclang entry points, named and typed as in clang-c/Index.h.</summary>
internal static unsafe partial class LibClang
{
    private const string Library = "libclang-14.so.1";

    /// <summary>CXTranslationUnit_SkipFunctionBodies.</summary>
    public const uint CXTranslationUnit_SkipFunctionBodies = 0x40;

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern void* clang_createIndex(int excludeDeclarationsFromPCH, int displayDiagnostics);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern void clang_disposeIndex(void* index);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern int clang_parseTranslationUnit2(void* index, sbyte* source_filename, sbyte** command_line_args,
        int num_command_line_args, void* unsaved_files, uint num_unsaved_files, uint options, void** out_TU);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern void clang_disposeTranslationUnit(void* tu);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern uint clang_getNumDiagnostics(void* tu);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern void* clang_getDiagnostic(void* tu, uint index);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern CXDiagnosticSeverity clang_getDiagnosticSeverity(void* diagnostic);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern CXString clang_formatDiagnostic(void* diagnostic, uint options);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern uint clang_defaultDiagnosticDisplayOptions();

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern void clang_disposeDiagnostic(void* diagnostic);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern CXCursor clang_getTranslationUnitCursor(void* tu);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern uint clang_visitChildren(CXCursor parent,
        delegate* unmanaged[Cdecl]<CXCursor, CXCursor, void*, CXChildVisitResult> visitor, void* client_data);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern CXString clang_getCursorSpelling(CXCursor cursor);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern CXType clang_getCursorType(CXCursor cursor);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern CXSourceLocation clang_getCursorLocation(CXCursor cursor);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern int clang_Location_isFromMainFile(CXSourceLocation location);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern void clang_getSpellingLocation(CXSourceLocation location, void** file, uint* line,
        uint* column, uint* offset);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern CXString clang_getFileName(void* file);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern CXString clang_getTypeSpelling(CXType type);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern CXString clang_getTypedefName(CXType type);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern CXType clang_getCanonicalType(CXType type);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern CXType clang_getTypedefDeclUnderlyingType(CXCursor cursor);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern CXCursor clang_getTypeDeclaration(CXType type);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern CXType clang_getPointeeType(CXType type);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern CXType clang_getArrayElementType(CXType type);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern long clang_getArraySize(CXType type);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern CXType clang_Type_getNamedType(CXType type);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern CXType clang_Type_getModifiedType(CXType type);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern long clang_Type_getSizeOf(CXType type);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern CXType clang_getEnumDeclIntegerType(CXCursor cursor);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern long clang_getEnumConstantDeclValue(CXCursor cursor);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern ulong clang_getEnumConstantDeclUnsignedValue(CXCursor cursor);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern CXType clang_getResultType(CXType type);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern int clang_Cursor_getNumArguments(CXCursor cursor);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern CXCursor clang_Cursor_getArgument(CXCursor cursor, uint index);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern uint clang_isFunctionTypeVariadic(CXType type);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern uint clang_Cursor_isBitField(CXCursor cursor);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern uint clang_Cursor_isAnonymous(CXCursor cursor);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern uint clang_isCursorDefinition(CXCursor cursor);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern CXCursor clang_getCursorDefinition(CXCursor cursor);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern uint clang_equalCursors(CXCursor a, CXCursor b);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern int clang_Cursor_isNull(CXCursor cursor);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern int clang_Cursor_getStorageClass(CXCursor cursor);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern CXString clang_Cursor_getRawCommentText(CXCursor cursor);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern sbyte* clang_getCString(CXString text);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    public static extern void clang_disposeString(CXString text);

    /// <summary>Copies a CXString into a managed string and disposes it.</summary>
    public static string Take(CXString text)
    {
        try
        {
            sbyte* p = clang_getCString(text);
            return p == null ? string.Empty : Marshal.PtrToStringUTF8((nint)p) ?? string.Empty;
        }
        finally
        {
            clang_disposeString(text);
        }
    }
}
