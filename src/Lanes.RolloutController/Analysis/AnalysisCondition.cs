using System.Globalization;

namespace Lanes.RolloutController.Analysis;

/// <summary>
/// A <c>successCondition</c> or <c>failureCondition</c>: a small expression over the measured <c>result</c>, parsed
/// once and evaluated without reflection or code generation. Grammar:
/// <code>
/// or      := and ('||' and)*
/// and     := unary ('&amp;&amp;' unary)*
/// unary   := '!' unary | '(' or ')' | 'isNaN' '(' number ')' | 'true' | 'false' | number op number
/// number  := literal | 'result' ('[' index ']')? | '-' number
/// op      := '&lt;' | '&lt;=' | '&gt;' | '&gt;=' | '==' | '!='
/// </code>
/// <c>result</c> is the first value of the measurement (a scalar, or the first sample of a vector); <c>result[i]</c>
/// the i-th sample.
/// </summary>
internal sealed class AnalysisCondition
{
    private const int MaxLength = 1024;
    private const int MaxDepth = 32;
    private readonly Node _root;

    private AnalysisCondition(string text, Node root, bool usesIsNaN)
    {
        Text = text;
        _root = root;
        UsesIsNaN = usesIsNaN;
    }

    public string Text { get; }

    /// <summary>Whether the condition asks about NaN itself; otherwise a NaN result is inconclusive, never judged.</summary>
    public bool UsesIsNaN { get; }

    /// <summary>Parses; never throws. On failure <paramref name="error"/> names the position and what was expected.</summary>
    public static bool TryParse(string? text, out AnalysisCondition? condition, out string? error)
    {
        condition = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "is empty";
            return false;
        }

        if (text.Length > MaxLength)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"is longer than {MaxLength} characters");
            return false;
        }

        var parser = new Parser(text);
        var root = parser.ParseOr(0);
        if (root is not null && parser.AtEnd())
        {
            condition = new AnalysisCondition(text, root, parser.UsesIsNaN);
            error = null;
            return true;
        }

        error = parser.Error ?? (parser.Position < text.Length ? string.Create(CultureInfo.InvariantCulture, $"unexpected '{text[parser.Position]}' at position {parser.Position}") : "unexpected end");
        return false;
    }

    /// <summary>Evaluates against the values measured; false with an error when an index is out of range.</summary>
    public bool TryEvaluate(IReadOnlyList<double> result, out bool value, out string? error)
    {
        error = null;
        value = false;
        try
        {
            value = _root.Eval(result);
            return true;
        }
        catch (IndexOutOfRangeException e)
        {
            error = e.Message;
            return false;
        }
    }

    public override string ToString() => Text;

    private abstract class Node
    {
        public abstract bool Eval(IReadOnlyList<double> result);
    }

    private abstract class Number
    {
        public abstract double Eval(IReadOnlyList<double> result);
    }

    private sealed class Literal(double value) : Number
    {
        public override double Eval(IReadOnlyList<double> result) => value;
    }

    private sealed class Result(int index) : Number
    {
        public override double Eval(IReadOnlyList<double> result) =>
            index < result.Count ? result[index] : throw new IndexOutOfRangeException(string.Create(CultureInfo.InvariantCulture, $"result[{index}] does not exist: the query returned {result.Count} value(s)"));
    }

    private sealed class Negate(Number inner) : Number
    {
        public override double Eval(IReadOnlyList<double> result) => -inner.Eval(result);
    }

    private sealed class Constant(bool value) : Node
    {
        public override bool Eval(IReadOnlyList<double> result) => value;
    }

    private sealed class Not(Node inner) : Node
    {
        public override bool Eval(IReadOnlyList<double> result) => !inner.Eval(result);
    }

    private sealed class And(Node left, Node right) : Node
    {
        public override bool Eval(IReadOnlyList<double> result) => left.Eval(result) && right.Eval(result);
    }

    private sealed class Or(Node left, Node right) : Node
    {
        public override bool Eval(IReadOnlyList<double> result) => left.Eval(result) || right.Eval(result);
    }

    private sealed class IsNaN(Number inner) : Node
    {
        public override bool Eval(IReadOnlyList<double> result) => double.IsNaN(inner.Eval(result));
    }

    private sealed class Compare(Number left, string op, Number right) : Node
    {
        public override bool Eval(IReadOnlyList<double> result)
        {
            var l = left.Eval(result);
            var r = right.Eval(result);
            return op switch
            {
                "<" => l < r,
                "<=" => l <= r,
                ">" => l > r,
                ">=" => l >= r,
                "==" => l == r,
                _ => l != r,
            };
        }
    }

    private sealed class Parser(string text)
    {
        public int Position { get; private set; }

        public string? Error { get; private set; }

        public bool UsesIsNaN { get; private set; }

        public bool AtEnd()
        {
            SkipSpace();
            return Error is null && Position == text.Length;
        }

        public Node? ParseOr(int depth)
        {
            var left = ParseAnd(depth);
            while (left is not null && Accept("||"))
            {
                var right = ParseAnd(depth);
                left = right is null ? null : new Or(left, right);
            }

            return left;
        }

        private Node? ParseAnd(int depth)
        {
            var left = ParseUnary(depth);
            while (left is not null && Accept("&&"))
            {
                var right = ParseUnary(depth);
                left = right is null ? null : new And(left, right);
            }

            return left;
        }

        private Node? ParseUnary(int depth)
        {
            if (depth > MaxDepth)
            {
                return Fail(string.Create(CultureInfo.InvariantCulture, $"nested deeper than {MaxDepth} at position {Position}"));
            }

            SkipSpace();
            if (Accept("!") )
            {
                return ParseUnary(depth + 1) is { } inner ? new Not(inner) : null;
            }

            if (Accept("("))
            {
                var inner = ParseOr(depth + 1);
                return inner is null ? null : Expect(")") ? inner : null;
            }

            if (AcceptWord("true"))
            {
                return new Constant(true);
            }

            if (AcceptWord("false"))
            {
                return new Constant(false);
            }

            if (AcceptWord("isNaN"))
            {
                UsesIsNaN = true;
                if (!Expect("("))
                {
                    return null;
                }

                var argument = ParseNumber(depth + 1);
                return argument is not null && Expect(")") ? new IsNaN(argument) : null;
            }

            var left = ParseNumber(depth + 1);
            if (left is null)
            {
                return null;
            }

            SkipSpace();
            var op = Accept("<=") ? "<=" : Accept(">=") ? ">=" : Accept("==") ? "==" : Accept("!=") ? "!=" : Accept("<") ? "<" : Accept(">") ? ">" : null;
            if (op is null)
            {
                return Fail(string.Create(CultureInfo.InvariantCulture, $"expected a comparison (<, <=, >, >=, ==, !=) at position {Position}"));
            }

            var right = ParseNumber(depth + 1);
            return right is null ? null : new Compare(left, op, right);
        }

        private Number? ParseNumber(int depth)
        {
            if (depth > MaxDepth)
            {
                Fail(string.Create(CultureInfo.InvariantCulture, $"nested deeper than {MaxDepth} at position {Position}"));
                return null;
            }

            SkipSpace();
            if (Accept("-"))
            {
                return ParseNumber(depth + 1) is { } inner ? new Negate(inner) : null;
            }

            if (AcceptWord("result"))
            {
                if (!Accept("["))
                {
                    return new Result(0);
                }

                SkipSpace();
                var start = Position;
                while (Position < text.Length && char.IsAsciiDigit(text[Position]))
                {
                    Position++;
                }

                if (Position == start || Position - start > 4 ||
                    !int.TryParse(text.AsSpan(start, Position - start), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    Fail(string.Create(CultureInfo.InvariantCulture, $"expected an index of at most 4 digits at position {start}"));
                    return null;
                }

                return Expect("]") ? new Result(index) : null;
            }

            var begin = Position;
            while (Position < text.Length && (char.IsAsciiDigit(text[Position]) || text[Position] == '.' ||
                ((text[Position] is 'e' or 'E') && Position > begin) ||
                ((text[Position] is '+' or '-') && Position > begin && text[Position - 1] is 'e' or 'E')))
            {
                Position++;
            }

            if (Position > begin && double.TryParse(text.AsSpan(begin, Position - begin), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
            {
                return new Literal(number);
            }

            Position = begin;
            Fail(string.Create(CultureInfo.InvariantCulture, $"expected a number, result or result[i] at position {begin}"));
            return null;
        }

        private bool Expect(string token)
        {
            if (Accept(token))
            {
                return true;
            }

            Fail(string.Create(CultureInfo.InvariantCulture, $"expected '{token}' at position {Position}"));
            return false;
        }

        private bool Accept(string token)
        {
            SkipSpace();
            if (Error is null && text.AsSpan(Position).StartsWith(token, StringComparison.Ordinal))
            {
                Position += token.Length;
                return true;
            }

            return false;
        }

        private bool AcceptWord(string word)
        {
            SkipSpace();
            var end = Position + word.Length;
            if (Error is null && text.AsSpan(Position).StartsWith(word, StringComparison.Ordinal) &&
                (end == text.Length || !(char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_')))
            {
                Position = end;
                return true;
            }

            return false;
        }

        private void SkipSpace()
        {
            while (Position < text.Length && char.IsWhiteSpace(text[Position]))
            {
                Position++;
            }
        }

        private Node? Fail(string message)
        {
            Error ??= message;
            return null;
        }
    }
}
