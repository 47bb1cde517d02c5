using System;
using System.Globalization;

namespace RnnGen.Generator.Plan;

/// <summary>
/// An integer index expression of the generated code: a value that can be evaluated (offsets, sizes, tests) and
/// printed (C# text with the network's named constants and the run-time variables). Constructors fold what they can,
/// so <c>x + 0</c> prints as <c>x</c> and <c>2 * 3</c> as <c>6</c>; named constants stay names.
/// </summary>
internal abstract record Expr
{
    /// <summary>0.</summary>
    public static readonly Expr Zero = new Num(0);

    /// <summary>1.</summary>
    public static readonly Expr One = new Num(1);

    /// <summary>Binding strength when printed: 3 for a leaf, 2 for a product, 1 for a sum.</summary>
    protected abstract int Precedence { get; }

    /// <summary>True when the value is the literal 0.</summary>
    public bool IsZero => this is Num { Value: 0 };

    /// <summary>The value, with run-time variables taken from <paramref name="variables"/>.</summary>
    public abstract long Evaluate(Func<string, long> variables);

    /// <summary>The value of an expression without run-time variables.</summary>
    public long Constant => Evaluate(name => throw new InvalidOperationException($"'{name}' is known only at run time"));

    /// <summary>C# text.</summary>
    public abstract string Print();

    /// <summary>C# text, parenthesised when it binds less tightly than <paramref name="precedence"/>.</summary>
    public string Print(int precedence) => Precedence < precedence ? "(" + Print() + ")" : Print();

    public sealed override string ToString() => Print();

    public static implicit operator Expr(long value) => new Num(value);

    public static Expr operator +(Expr left, Expr right) => (left, right) switch
    {
        (Num { Value: 0 }, _) => right,
        (_, Num { Value: 0 }) => left,
        (Num a, Num b) => new Num(a.Value + b.Value),
        (Sum { Right: Num a } s, Num b) => s.Left + (a.Value + b.Value),
        (Difference { Right: Num a } d, Num b) => d.Left + (b.Value - a.Value),
        (_, Num { Value: < 0 } n) => left - -n.Value,
        _ => new Sum(left, right),
    };

    public static Expr operator -(Expr left, Expr right) => (left, right) switch
    {
        (_, Num { Value: 0 }) => left,
        (Num a, Num b) => new Num(a.Value - b.Value),
        (Sum { Right: Num a } s, Num b) => s.Left + (a.Value - b.Value),
        (_, Num { Value: < 0 } n) => left + -n.Value,
        _ => new Difference(left, right),
    };

    public static Expr operator *(Expr left, Expr right) => (left, right) switch
    {
        (Num { Value: 0 }, _) or (_, Num { Value: 0 }) => Zero,
        (Num { Value: 1 }, _) => right,
        (_, Num { Value: 1 }) => left,
        (Num a, Num b) => new Num(a.Value * b.Value),
        _ => new Product(left, right),
    };

    /// <summary>A literal.</summary>
    public sealed record Num(long Value) : Expr
    {
        protected override int Precedence => Value < 0 ? 0 : 3;

        public override long Evaluate(Func<string, long> variables) => Value;

        public override string Print() => Value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A constant of the network class: printed by name, evaluated by value.</summary>
    public sealed record Named(string Name, long Value) : Expr
    {
        protected override int Precedence => 3;

        public override long Evaluate(Func<string, long> variables) => Value;

        public override string Print() => Name;
    }

    /// <summary>A value known only at run time: a loop index, the sequence length, a token.</summary>
    public sealed record Var(string Name) : Expr
    {
        protected override int Precedence => 3;

        public override long Evaluate(Func<string, long> variables) => variables(Name);

        public override string Print() => Name;
    }

    /// <summary><c>Condition ? WhenTrue : WhenFalse</c>, a condition on run-time values.</summary>
    public sealed record Choice(string Condition, Expr WhenTrue, Expr WhenFalse) : Expr
    {
        protected override int Precedence => 0;

        public override long Evaluate(Func<string, long> variables) =>
            throw new InvalidOperationException($"'{Condition}' is known only at run time");

        public override string Print() => $"{Condition} ? {WhenTrue.Print()} : {WhenFalse.Print()}";
    }

    /// <summary>Left + Right.</summary>
    public sealed record Sum(Expr Left, Expr Right) : Expr
    {
        protected override int Precedence => 1;

        public override long Evaluate(Func<string, long> variables) => Left.Evaluate(variables) + Right.Evaluate(variables);

        public override string Print() => $"{Left.Print(1)} + {Right.Print(2)}";
    }

    /// <summary>Left - Right.</summary>
    public sealed record Difference(Expr Left, Expr Right) : Expr
    {
        protected override int Precedence => 1;

        public override long Evaluate(Func<string, long> variables) => Left.Evaluate(variables) - Right.Evaluate(variables);

        public override string Print() => $"{Left.Print(1)} - {Right.Print(2)}";
    }

    /// <summary>Left · Right.</summary>
    public sealed record Product(Expr Left, Expr Right) : Expr
    {
        protected override int Precedence => 2;

        public override long Evaluate(Func<string, long> variables) => Left.Evaluate(variables) * Right.Evaluate(variables);

        public override string Print() => $"{Left.Print(2)} * {Right.Print(3)}";
    }
}
