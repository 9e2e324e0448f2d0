using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static ZeroCopyNative.BindingsGenerator.LibClang;

namespace ZeroCopyNative.BindingsGenerator;

/// <summary>Parses the header with libclang and builds the <see cref="HeaderModel"/>. Anything that has no exact,
/// blittable C# form (unions, bitfields, varargs, function pointers, anonymous types, K&amp;R declarations,
/// platform-dependent integer types) stops the generator with an error naming the construct, file and line.</summary>
internal sealed unsafe class HeaderReader
{
    private static readonly HashSet<string> CSharpKeywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
        "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
        "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
        "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
        "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
        "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
        "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
    };

    // The fixed-width typedefs of <stdint.h>: their canonical types are platform-dependent (int64_t is 'long' on
    // LP64), so they are mapped by name, before their typedef chain reaches 'long'. The rsp may list them too.
    private static readonly Dictionary<string, string> FixedWidthTypedefs = new(StringComparer.Ordinal)
    {
        ["int8_t"] = "sbyte", ["uint8_t"] = "byte", ["int16_t"] = "short", ["uint16_t"] = "ushort",
        ["int32_t"] = "int", ["uint32_t"] = "uint", ["int64_t"] = "long", ["uint64_t"] = "ulong",
    };

    private readonly GeneratorOptions options;
    private readonly HeaderModel model = new();
    private readonly Dictionary<string, string> tagNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> unionTags = new(StringComparer.Ordinal);
    private readonly HashSet<string> seenFunctions = new(StringComparer.Ordinal);
    private readonly List<CXCursor> structCursors = new();
    private readonly List<CXCursor> enumCursors = new();
    private readonly List<CXCursor> functionCursors = new();

    private HeaderReader(GeneratorOptions options) => this.options = options;

    /// <summary>Parses <see cref="GeneratorOptions.InputHeader"/>; throws <see cref="GeneratorException"/>.</summary>
    public static HeaderModel Read(GeneratorOptions options) => new HeaderReader(options).Run();

    private HeaderModel Run()
    {
        string header = options.Resolve(options.InputHeader);
        if (!File.Exists(header))
        {
            throw new GeneratorException($"input header '{header}' not found");
        }

        var args = new List<string> { "-x", "c", "-std=c11" };
        foreach (string dir in options.IncludeDirectories)
        {
            args.Add("-I" + options.Resolve(dir));
        }

        foreach (string define in options.Defines)
        {
            args.Add("-D" + define);
        }

        string? resource = options.ClangResourceInclude ?? DiscoverResourceInclude();
        if (resource is not null)
        {
            args.Add("-isystem");
            args.Add(resource);
        }

        args.AddRange(options.ClangArguments);

        void* index = clang_createIndex(0, 0);
        try
        {
            void* tu = Parse(index, header, args);
            try
            {
                CheckDiagnostics(tu);
                Collect(clang_getTranslationUnitCursor(tu));
                Build();
            }
            finally
            {
                clang_disposeTranslationUnit(tu);
            }
        }
        finally
        {
            clang_disposeIndex(index);
        }

        return model;
    }

    private static string? DiscoverResourceInclude()
    {
        const string llvm = "/usr/lib/llvm-14/lib/clang";
        if (!Directory.Exists(llvm))
        {
            return null;
        }

        return Directory.GetDirectories(llvm)
            .Select(d => Path.Combine(d, "include"))
            .Where(d => File.Exists(Path.Combine(d, "stddef.h")))
            .OrderByDescending(d => d, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    private static void* Parse(void* index, string header, List<string> args)
    {
        var handles = new List<nint>();
        try
        {
            nint file = Marshal.StringToCoTaskMemUTF8(header);
            handles.Add(file);
            sbyte** argv = stackalloc sbyte*[args.Count];
            for (int i = 0; i < args.Count; i++)
            {
                nint a = Marshal.StringToCoTaskMemUTF8(args[i]);
                handles.Add(a);
                argv[i] = (sbyte*)a;
            }

            void* tu = null;
            int rc = clang_parseTranslationUnit2(index, (sbyte*)file, argv, args.Count, null, 0,
                CXTranslationUnit_SkipFunctionBodies, &tu);
            if (rc != 0 || tu == null)
            {
                throw new GeneratorException($"libclang could not parse '{header}' (CXErrorCode {rc})");
            }

            return tu;
        }
        finally
        {
            foreach (nint h in handles)
            {
                Marshal.FreeCoTaskMem(h);
            }
        }
    }

    private void CheckDiagnostics(void* tu)
    {
        uint count = clang_getNumDiagnostics(tu);
        var errors = new List<string>();
        for (uint i = 0; i < count; i++)
        {
            void* diagnostic = clang_getDiagnostic(tu, i);
            try
            {
                CXDiagnosticSeverity severity = clang_getDiagnosticSeverity(diagnostic);
                string text = Take(clang_formatDiagnostic(diagnostic, clang_defaultDiagnosticDisplayOptions()));
                if (severity >= CXDiagnosticSeverity.Error)
                {
                    errors.Add(text);
                }
                else if (severity == CXDiagnosticSeverity.Warning)
                {
                    options.Log.WriteLine(text);
                }
            }
            finally
            {
                clang_disposeDiagnostic(diagnostic);
            }
        }

        if (errors.Count > 0)
        {
            throw new GeneratorException("the header does not compile:\n" + string.Join('\n', errors));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Pass 1: find the declarations of the main file, reject what cannot be bound, learn the type names.
    // ---------------------------------------------------------------------------------------------------------

    private void Collect(CXCursor tuCursor)
    {
        foreach (CXCursor cursor in Children(tuCursor))
        {
            if (clang_Location_isFromMainFile(clang_getCursorLocation(cursor)) == 0)
            {
                continue;
            }

            switch (cursor.kind)
            {
                case CXCursorKind.StructDecl:
                    CollectStruct(cursor);
                    break;
                case CXCursorKind.UnionDecl:
                    throw Unsupported(cursor, $"union '{Spelling(cursor)}'",
                        "a union has no sequential layout; wrap it in a struct of fixed-width fields");
                case CXCursorKind.EnumDecl:
                    CollectEnum(cursor);
                    break;
                case CXCursorKind.TypedefDecl:
                    CollectTypedef(cursor);
                    break;
                case CXCursorKind.FunctionDecl:
                    functionCursors.Add(cursor);
                    break;
                case CXCursorKind.VarDecl:
                    throw Unsupported(cursor, $"global variable '{Spelling(cursor)}'",
                        "export a function that returns the value instead");
                case CXCursorKind.StaticAssert:
                    break;
                default:
                    throw Unsupported(cursor, $"declaration '{Spelling(cursor)}' (cursor kind {(int)cursor.kind})",
                        "the generator binds enums, structs, typedefs and functions only");
            }
        }
    }

    private void CollectStruct(CXCursor cursor)
    {
        string tag = Spelling(cursor);
        if (IsAnonymous(cursor, tag))
        {
            throw Unsupported(cursor, "anonymous struct", "give the struct a tag name");
        }

        if (clang_isCursorDefinition(cursor) == 0)
        {
            // A forward declaration: the definition (if any) is collected where it appears.
            if (clang_Cursor_isNull(clang_getCursorDefinition(cursor)) != 0)
            {
                throw Unsupported(cursor, $"opaque struct '{tag}'",
                    "the generator needs a definition to lay it out; pass opaque objects as void*");
            }

            return;
        }

        if (tagNames.ContainsKey(tag))
        {
            return;
        }

        tagNames[tag] = options.Remaps.TryGetValue(tag, out string? rename) ? rename : tag;
        foreach (CXCursor child in Children(cursor))
        {
            switch (child.kind)
            {
                case CXCursorKind.StructDecl:
                    CollectStruct(child);
                    break;
                case CXCursorKind.UnionDecl:
                    throw Unsupported(child, IsAnonymous(child, Spelling(child)) ? "anonymous union" : $"union '{Spelling(child)}'",
                        "a union has no sequential layout; wrap it in a struct of fixed-width fields");
                case CXCursorKind.EnumDecl:
                    CollectEnum(child);
                    break;
                case CXCursorKind.FieldDecl:
                    if (clang_Cursor_isBitField(child) != 0)
                    {
                        throw Unsupported(child, $"bitfield '{tag}.{Spelling(child)}'",
                            "bit layout is compiler-defined; use a whole fixed-width field and masks");
                    }

                    RejectAttributes(child, $"field '{tag}.{Spelling(child)}'");
                    break;
                default:
                    if (IsAttribute(child))
                    {
                        throw Unsupported(child, $"attribute '{Spelling(child)}' on struct '{tag}'",
                            "packing and alignment attributes change the layout the C# struct must mirror");
                    }

                    break;
            }
        }

        structCursors.Add(cursor);
    }

    private void CollectEnum(CXCursor cursor)
    {
        string tag = Spelling(cursor);
        if (IsAnonymous(cursor, tag))
        {
            throw Unsupported(cursor, "anonymous enum", "give the enum a tag name");
        }

        if (tagNames.ContainsKey(tag) || clang_isCursorDefinition(cursor) == 0)
        {
            return;
        }

        tagNames[tag] = options.Remaps.TryGetValue(tag, out string? rename) ? rename : tag;
        enumCursors.Add(cursor);
    }

    private void CollectTypedef(CXCursor cursor)
    {
        string name = Spelling(cursor);
        CXType underlying = StripSugar(clang_getTypedefDeclUnderlyingType(cursor));
        if (underlying.kind is CXTypeKind.Record or CXTypeKind.Enum)
        {
            CXCursor decl = clang_getTypeDeclaration(underlying);
            string tag = Spelling(decl);
            if (decl.kind == CXCursorKind.UnionDecl)
            {
                unionTags.Add(tag);
                return;
            }

            if (IsAnonymous(decl, tag))
            {
                throw Unsupported(cursor, $"anonymous {(underlying.kind == CXTypeKind.Enum ? "enum" : "struct")} behind typedef '{name}'",
                    "give the type a tag name (typedef struct name {...} name;)");
            }

            // typedef struct a b; with a rename for b but none for a: the C# type takes b's rename.
            if (!options.Remaps.ContainsKey(tag) && options.Remaps.TryGetValue(name, out string? rename) &&
                tagNames.ContainsKey(tag))
            {
                tagNames[tag] = rename;
            }

            return;
        }

        // A typedef of a primitive or a pointer: check now that it maps, so errors point at the typedef.
        MapType(clang_getCursorType(cursor), cursor, $"typedef '{name}'");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Pass 2: build the model now that every type name is known.
    // ---------------------------------------------------------------------------------------------------------

    private void Build()
    {
        foreach (CXCursor cursor in enumCursors)
        {
            model.Enums.Add(BuildEnum(cursor));
        }

        foreach (CXCursor cursor in structCursors)
        {
            model.Structs.Add(BuildStruct(cursor));
        }

        foreach (CXCursor cursor in functionCursors)
        {
            FunctionModel? function = BuildFunction(cursor);
            if (function is not null)
            {
                model.Functions.Add(function);
            }
        }
    }

    private EnumModel BuildEnum(CXCursor cursor)
    {
        string tag = Spelling(cursor);
        CXType integer = clang_getEnumDeclIntegerType(cursor);
        CXType canonical = clang_getCanonicalType(integer);
        (string underlying, bool unsigned) = canonical.kind switch
        {
            CXTypeKind.Int => ("int", false),
            CXTypeKind.UInt => ("uint", true),
            CXTypeKind.Long or CXTypeKind.LongLong => ("long", false),
            CXTypeKind.ULong or CXTypeKind.ULongLong => ("ulong", true),
            CXTypeKind.Short => ("short", false),
            CXTypeKind.UShort => ("ushort", true),
            CXTypeKind.SChar or CXTypeKind.Char_S => ("sbyte", false),
            CXTypeKind.UChar or CXTypeKind.Char_U => ("byte", true),
            _ => throw Unsupported(cursor, $"enum '{tag}' with underlying type '{Take(clang_getTypeSpelling(integer))}'",
                "no C# enum underlying type matches it"),
        };
        bool flags = options.FlagsEnums.Contains(tag) ||
                     (options.Remaps.TryGetValue(tag, out string? csTag) && options.FlagsEnums.Contains(csTag));

        var constants = new List<(CXCursor Cursor, string Name, string Value)>();
        foreach (CXCursor child in Children(cursor))
        {
            if (child.kind != CXCursorKind.EnumConstantDecl)
            {
                continue;
            }

            string value;
            if (unsigned)
            {
                ulong u = clang_getEnumConstantDeclUnsignedValue(child);
                value = flags ? "0x" + u.ToString("X", null) : u.ToString(null, null);
            }
            else
            {
                long s = clang_getEnumConstantDeclValue(child);
                value = flags && s >= 0 ? "0x" + s.ToString("X", null) : s.ToString(null, null);
            }

            constants.Add((child, Spelling(child), value));
        }

        if (constants.Count == 0)
        {
            throw Unsupported(cursor, $"empty enum '{tag}'", "C requires enumerators");
        }

        string prefix = options.EnumMemberPrefixes.TryGetValue(tag, out string? given)
            ? given
            : MemberPrefix(constants.Select(c => c.Name).ToList());
        var members = new List<EnumMemberModel>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach ((CXCursor child, string name, string value) in constants)
        {
            string csName = name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : name;
            if (!IsIdentifier(csName))
            {
                throw Unsupported(child, $"enumerator '{name}' (stripped to '{csName}')",
                    "the stripped name is not a C# identifier; fix --enum-member-prefix");
            }

            if (!seen.Add(csName))
            {
                throw Unsupported(child, $"enumerator '{name}'", $"two members of '{tag}' strip to '{csName}'");
            }

            DocComment doc = Doc(child);
            if (doc.IsEmpty)
            {
                doc = DocComment.FromSummary($"{csName} ({value}).");
            }

            members.Add(new EnumMemberModel(name, Escape(csName), value, doc));
        }

        DocComment enumDoc = DocOrTypedef(cursor, tag);
        if (enumDoc.IsEmpty)
        {
            Warn(cursor, $"enum '{tag}' has no doc comment");
            enumDoc = DocComment.FromSummary($"The C enum {tag}.");
        }

        return new EnumModel(tag, Take(clang_getTypeSpelling(clang_getCursorType(cursor))), tagNames[tag], underlying, Take(clang_getTypeSpelling(integer)), flags, members, enumDoc);
    }

    /// <summary>The longest common prefix ending in '_' (one member: up to its last '_'), shortened until every
    /// stripped name is an identifier.</summary>
    internal static string MemberPrefix(IReadOnlyList<string> names)
    {
        string common = names[0];
        if (names.Count == 1)
        {
            int last = common.LastIndexOf('_');
            common = last < 0 ? string.Empty : common[..(last + 1)];
        }
        else
        {
            foreach (string name in names.Skip(1))
            {
                int n = 0;
                while (n < common.Length && n < name.Length && common[n] == name[n])
                {
                    n++;
                }

                common = common[..n];
            }

            int cut = common.LastIndexOf('_');
            common = cut < 0 ? string.Empty : common[..(cut + 1)];
        }

        while (common.Length > 0 && names.Any(n => !IsIdentifier(n[common.Length..])))
        {
            int cut = common.LastIndexOf('_', common.Length - 2);
            common = cut < 0 ? string.Empty : common[..(cut + 1)];
        }

        return common;
    }

    private StructModel BuildStruct(CXCursor cursor)
    {
        string tag = Spelling(cursor);
        CXType type = clang_getCursorType(cursor);
        var fields = new List<FieldModel>();
        foreach (CXCursor child in Children(cursor))
        {
            if (child.kind != CXCursorKind.FieldDecl)
            {
                continue;
            }

            fields.Add(BuildField(tag, child));
        }

        if (fields.Count == 0)
        {
            throw Unsupported(cursor, $"empty struct '{tag}'", "an empty struct has size 0 in GNU C and 1 in C#");
        }

        DocComment doc = DocOrTypedef(cursor, tag);
        if (doc.IsEmpty)
        {
            Warn(cursor, $"struct '{tag}' has no doc comment");
            doc = DocComment.FromSummary($"The C struct {tag}.");
        }

        return new StructModel(tag, Take(clang_getTypeSpelling(type)), tagNames[tag], fields, doc,
            clang_Type_getSizeOf(type));
    }

    private FieldModel BuildField(string structTag, CXCursor field)
    {
        string name = Spelling(field);
        if (name.Length == 0)
        {
            throw Unsupported(field, $"unnamed field in struct '{structTag}'", "name every field");
        }

        string context = $"field '{structTag}.{name}'";
        CXType type = clang_getCursorType(field);
        string spelling = Take(clang_getTypeSpelling(type));
        DocComment doc = Doc(field);
        if (doc.IsEmpty)
        {
            doc = DocComment.FromSummary($"The {name} field.");
        }

        CXType stripped = StripSugar(type);
        if (stripped.kind == CXTypeKind.ConstantArray)
        {
            long length = 1;
            CXType element = stripped;
            while (element.kind == CXTypeKind.ConstantArray)
            {
                length *= clang_getArraySize(element);
                element = StripSugar(clang_getArrayElementType(element));
            }

            string elementType = MapType(element, field, context);
            FieldShape shape = IsFixedBufferElement(elementType) ? FieldShape.FixedBuffer
                : elementType.EndsWith('*') ? FieldShape.PointerArray
                : FieldShape.InlineArray;
            return new FieldModel(name, Escape(name), elementType, spelling, shape, length, doc);
        }

        if (stripped.kind is CXTypeKind.IncompleteArray or CXTypeKind.VariableArray)
        {
            throw Unsupported(field, $"flexible array member '{structTag}.{name}'",
                "its size is not part of the struct; pass the elements through a pointer");
        }

        string csType = MapType(type, field, context);
        return new FieldModel(name, Escape(name), csType, NativeName(spelling, csType), FieldShape.Plain, 0, doc);
    }

    private static bool IsFixedBufferElement(string csType) =>
        csType is "bool" or "byte" or "sbyte" or "short" or "ushort" or "int" or "uint" or "long" or "ulong" or "char"
            or "float" or "double";

    private FunctionModel? BuildFunction(CXCursor cursor)
    {
        string name = Spelling(cursor);
        if (!seenFunctions.Add(name))
        {
            return null;
        }

        const int CX_SC_Static = 3;
        if (clang_Cursor_getStorageClass(cursor) == CX_SC_Static)
        {
            throw Unsupported(cursor, $"static function '{name}'", "a static function is not exported by the library");
        }

        CXType type = clang_getCursorType(cursor);
        if (type.kind == CXTypeKind.FunctionNoProto)
        {
            throw Unsupported(cursor, $"K&R function declaration '{name}' (no prototype)",
                "declare the parameters, or (void) for none");
        }

        if (clang_isFunctionTypeVariadic(type) != 0)
        {
            throw Unsupported(cursor, $"varargs function '{name}'",
                "variadic arguments have no fixed native signature to bind");
        }

        CXType result = clang_getResultType(type);
        string resultSpelling = Take(clang_getTypeSpelling(result));
        string returnType = MapType(result, cursor, $"the return type of '{name}'");

        var parameters = new List<ParameterModel>();
        int count = clang_Cursor_getNumArguments(cursor);
        for (uint i = 0; i < count; i++)
        {
            CXCursor parameter = clang_Cursor_getArgument(cursor, i);
            string parameterName = Spelling(parameter);
            if (parameterName.Length == 0)
            {
                parameterName = $"param{i}";
            }

            CXType parameterType = clang_getCursorType(parameter);
            string spelling = Take(clang_getTypeSpelling(parameterType));
            string csType = MapParameterType(parameterType, parameter, $"parameter '{parameterName}' of '{name}'");
            parameters.Add(new ParameterModel(parameterName, Escape(parameterName), csType, NativeName(spelling, csType)));
        }

        string csName = options.FunctionPrefix.Length > 0 && name.StartsWith(options.FunctionPrefix, StringComparison.Ordinal)
            ? name[options.FunctionPrefix.Length..]
            : name;
        DocComment doc = Doc(cursor);
        if (doc.IsEmpty)
        {
            Warn(cursor, $"function '{name}' has no doc comment");
            doc = DocComment.FromSummary($"Calls {name}.");
        }

        foreach (ParameterModel p in parameters)
        {
            if (doc.Parameters.Count > 0 && !doc.Parameters.Any(d => d.Name == p.CName))
            {
                Warn(cursor, $"function '{name}' documents some parameters but not '{p.CName}'");
            }
        }

        return new FunctionModel(name, Escape(csName), returnType, NativeName(resultSpelling, returnType), parameters,
            doc, Location(cursor));
    }

    private string MapParameterType(CXType type, CXCursor where, string context)
    {
        // C adjusts array parameters to pointers (int32_t fds[2] is int32_t *fds); libclang may report either.
        CXType stripped = StripSugar(type);
        if (stripped.kind is CXTypeKind.ConstantArray or CXTypeKind.IncompleteArray)
        {
            return MapType(clang_getArrayElementType(stripped), where, context) + "*";
        }

        return MapType(type, where, context);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Types
    // ---------------------------------------------------------------------------------------------------------

    /// <summary>Maps a C type to its C# spelling: fixed-width typedefs and remaps by name, typedef chains followed
    /// to the type they name, enums and structs by their (renamed) tag, pointers kept as pointers.</summary>
    private string MapType(CXType type, CXCursor where, string context)
    {
        string outer = Take(clang_getTypeSpelling(type));
        return Map(type);

        string Map(CXType t)
        {
            switch (t.kind)
            {
                case CXTypeKind.Elaborated:
                    return Map(clang_Type_getNamedType(t));
                case CXTypeKind.Attributed:
                    return Map(clang_Type_getModifiedType(t));
                case CXTypeKind.Typedef:
                {
                    string name = Take(clang_getTypedefName(t));
                    if (options.Remaps.TryGetValue(name, out string? remap))
                    {
                        return remap;
                    }

                    if (FixedWidthTypedefs.TryGetValue(name, out string? fixedWidth))
                    {
                        return fixedWidth;
                    }

                    return Map(clang_getTypedefDeclUnderlyingType(clang_getTypeDeclaration(t)));
                }

                case CXTypeKind.Pointer:
                {
                    CXType pointee = clang_getPointeeType(t);
                    if (clang_getCanonicalType(pointee).kind is CXTypeKind.FunctionProto or CXTypeKind.FunctionNoProto)
                    {
                        throw Unsupported(where, $"function pointer '{outer}' in {context}",
                            "callbacks across the boundary are not part of the contract");
                    }

                    return Map(pointee) + "*";
                }

                case CXTypeKind.Record:
                {
                    CXCursor decl = clang_getTypeDeclaration(t);
                    string tag = Spelling(decl);
                    if (decl.kind == CXCursorKind.UnionDecl)
                    {
                        throw Unsupported(where, $"union '{outer}' in {context}", "unions are not supported");
                    }

                    if (tagNames.TryGetValue(tag, out string? name))
                    {
                        return name;
                    }

                    throw Unsupported(where, $"struct '{outer}' in {context}",
                        "it is not defined in the input header");
                }

                case CXTypeKind.Enum:
                {
                    string tag = Spelling(clang_getTypeDeclaration(t));
                    if (tagNames.TryGetValue(tag, out string? name))
                    {
                        return name;
                    }

                    throw Unsupported(where, $"enum '{outer}' in {context}", "it is not defined in the input header");
                }

                case CXTypeKind.Void: return "void";
                case CXTypeKind.Bool: return "bool";
                case CXTypeKind.Char_S or CXTypeKind.SChar: return Builtin("char", "sbyte", t);
                case CXTypeKind.Char_U or CXTypeKind.UChar: return Builtin("unsigned char", "byte", t);
                case CXTypeKind.Short: return "short";
                case CXTypeKind.UShort: return "ushort";
                case CXTypeKind.Int: return "int";
                case CXTypeKind.UInt: return "uint";
                case CXTypeKind.LongLong: return "long";
                case CXTypeKind.ULongLong: return "ulong";
                case CXTypeKind.Float: return "float";
                case CXTypeKind.Double: return "double";
                case CXTypeKind.Long or CXTypeKind.ULong:
                    throw Unsupported(where, $"platform-dependent type '{outer}' ({Take(clang_getTypeSpelling(t))}) in {context}",
                        "its size differs between LP64 and LLP64; use int64_t or uint64_t");
                case CXTypeKind.FunctionProto or CXTypeKind.FunctionNoProto:
                    throw Unsupported(where, $"function type '{outer}' in {context}", "function types are not supported");
                case CXTypeKind.ConstantArray or CXTypeKind.IncompleteArray or CXTypeKind.VariableArray:
                    throw Unsupported(where, $"array type '{outer}' in {context}", "arrays are supported as struct fields only");
                default:
                    throw Unsupported(where, $"type '{outer}' in {context}",
                        $"no exact C# mapping for type kind {(int)t.kind} ({Take(clang_getTypeSpelling(t))})");
            }
        }

        string Builtin(string cName, string csName, CXType t)
        {
            return options.Remaps.TryGetValue(cName, out string? remap) ? remap : csName;
        }
    }

    private static CXType StripSugar(CXType type)
    {
        while (true)
        {
            switch (type.kind)
            {
                case CXTypeKind.Elaborated:
                    type = clang_Type_getNamedType(type);
                    continue;
                case CXTypeKind.Attributed:
                    type = clang_Type_getModifiedType(type);
                    continue;
                case CXTypeKind.Typedef:
                    // Keep typedefs that name something the generator maps by name.
                    return type;
                default:
                    return type;
            }
        }
    }

    /// <summary>[NativeTypeName] is kept when the C spelling differs from the C# one (ignoring spaces).</summary>
    private static string? NativeName(string cSpelling, string csType) =>
        cSpelling.Replace(" ", string.Empty, StringComparison.Ordinal) == csType.Replace(" ", string.Empty, StringComparison.Ordinal)
            ? null
            : cSpelling;

    // ---------------------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------------------

    private DocComment DocOrTypedef(CXCursor cursor, string tag)
    {
        DocComment doc = Doc(cursor);
        return doc;
    }

    private static DocComment Doc(CXCursor cursor) => DocComment.Parse(Take(clang_Cursor_getRawCommentText(cursor)));

    private static bool IsAnonymous(CXCursor cursor, string spelling) =>
        spelling.Length == 0 || spelling.Contains('(', StringComparison.Ordinal) ||
        spelling.Contains(' ', StringComparison.Ordinal) || clang_Cursor_isAnonymous(cursor) != 0;

    private static bool IsAttribute(CXCursor cursor) => (int)cursor.kind is >= 400 and < 500;

    private void RejectAttributes(CXCursor field, string context)
    {
        foreach (CXCursor child in Children(field))
        {
            if (IsAttribute(child))
            {
                string attribute = Spelling(child);
                throw Unsupported(child, $"{(attribute.Length == 0 ? "alignment attribute" : $"attribute '{attribute}'")} on {context}",
                    "alignment attributes change the layout the C# struct must mirror");
            }
        }
    }

    internal static bool IsIdentifier(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') &&
        name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static string Escape(string name) => CSharpKeywords.Contains(name) ? "@" + name : name;

    private static string Spelling(CXCursor cursor) => Take(clang_getCursorSpelling(cursor));

    private string Location(CXCursor cursor)
    {
        void* file;
        uint line, column, offset;
        clang_getSpellingLocation(clang_getCursorLocation(cursor), &file, &line, &column, &offset);
        string path = file == null ? "<unknown>" : Take(clang_getFileName(file));
        return $"{Paths.Relative(options.RootDirectory, path)}:{line}:{column}";
    }

    private GeneratorException Unsupported(CXCursor cursor, string construct, string why) =>
        new($"{Location(cursor)}: error: {construct} is not supported: {why}");

    private void Warn(CXCursor cursor, string message) =>
        options.Log.WriteLine($"{Location(cursor)}: warning: {message}");

    // ---------------------------------------------------------------------------------------------------------
    // Visiting: clang_visitChildren with an [UnmanagedCallersOnly] callback and the list in a GCHandle.
    // ---------------------------------------------------------------------------------------------------------

    private static List<CXCursor> Children(CXCursor parent)
    {
        var children = new List<CXCursor>();
        GCHandle handle = GCHandle.Alloc(children);
        try
        {
            clang_visitChildren(parent, &Visit, (void*)GCHandle.ToIntPtr(handle));
        }
        finally
        {
            handle.Free();
        }

        return children;
    }

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    private static CXChildVisitResult Visit(CXCursor cursor, CXCursor parent, void* clientData)
    {
        var children = (List<CXCursor>)GCHandle.FromIntPtr((nint)clientData).Target!;
        children.Add(cursor);
        return CXChildVisitResult.Continue;
    }
}
