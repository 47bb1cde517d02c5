using System;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator.Model;
using RnnGen.Generator.Plan;

namespace RnnGen.Generator.Printing;

/// <summary>What the API printer reads of one model's plan, and naming helpers.</summary>
internal sealed class EmitContext
{
    public EmitContext(Network network)
    {
        Network = network;
        Layout = new LayoutView(network);
    }

    public Network Network { get; }

    public ModelSpec Spec => Network.Spec;

    public LayoutView Layout { get; }

    public bool Dense => !Spec.TokenInput;

    public bool LastStep => Network.Sizes.LastStep;

    public bool CrossEntropy => Network.Sizes.CrossEntropy;

    public bool FeedsBack => Network.Sizes.FeedsBack;

    public bool Dropout => Network.Sizes.Dropout;

    public bool Stacked => Network.Sizes.Stacked;

    public bool Streams => Network.Sizes.Streams;

    /// <summary>Passes the model's team, from the model class.</summary>
    public string TeamField => Network.Sizes.SplitsRecurrence ? ", _team" : "";

    /// <summary>The element type of inputs: <c>int</c> token ids or <see cref="T"/> values.</summary>
    public string InputType => Spec.TokenInput ? "int" : T;

    /// <summary>The element type of targets: <c>int</c> class ids or <see cref="T"/> values.</summary>
    public string TargetType => CrossEntropy ? "int" : T;

    /// <summary>The element type keyword: <c>float</c> or <c>double</c>.</summary>
    public string T => Network.T;

    /// <summary>The file-local class that holds the network's constants and code.</summary>
    public string NetworkClass => Identifier(Spec.Type.Name) + "Network";

    /// <summary>How the model class refers to <see cref="NetworkClass"/>.</summary>
    public string NetworkRef => "global::RnnGen.Generated." + NetworkClass;

    /// <summary>The model type as C# source: <c>global::</c>-qualified, keywords escaped.</summary>
    public string ModelReference
    {
        get
        {
            TypeSpec type = Spec.Type;
            var parts = new System.Collections.Generic.List<string>();
            if (type.Namespace is not null)
            {
                parts.Add(DottedIdentifier(type.Namespace));
            }

            foreach (ContainingTypeSpec container in type.ContainingTypes)
            {
                parts.Add(Identifier(container.Name));
            }

            parts.Add(Identifier(type.Name));
            return "global::" + string.Join(".", parts);
        }
    }

    public static readonly string GeneratedCode = $"[global::System.CodeDom.Compiler.GeneratedCode(\"RnnGen\", \"{Declaration.Version}\")]";

    /// <summary>An identifier, escaped with '@' when it is a keyword.</summary>
    public static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) == SyntaxKind.UnderscoreToken
            ? "@" + name
            : name;

    /// <summary>A dotted name (namespace) with each part escaped.</summary>
    public static string DottedIdentifier(string name) => string.Join(".", Array.ConvertAll(name.Split('.'), Identifier));

    /// <summary>The layout facts the API reads.</summary>
    internal sealed class LayoutView
    {
        private readonly Network _network;

        public LayoutView(Network network) => _network = network;

        public bool Projected => _network.Sizes.Projected;

        public bool SplitsRecurrence => _network.Sizes.SplitsRecurrence;

        public long ParameterCount => _network.ParameterCount;

        public long StateLength => _network.Sizes.StateLength.Value;

        public long LayerStateLength => _network.Sizes.LayerStateLength;

        /// <summary>The constant of the top layer's offset in the state.</summary>
        public string TopState => _network.Memory.Top.StateOffset.Print();
    }
}
