// goroutine-recv-leak: a method that nothing can call cannot block. A test fake often has methods
// its interface dropped long ago (`func (i *fakeIndex) RangeSince(...) { r := <-i.rangeRespc }`):
// the receive in it would block if it ran, but it never runs.
//
// The method must be one of an unexported type declared in a `_test.go` file, so only the
// package's own tests can make one; no file of the package (tests included) may select its name
// (`x.RangeSince`, a call, a method value or expression); no interface type of the package may
// declare it or embed another package's interface (either could reach it through an interface);
// and its signature must name a type of the package, so that no interface of a package that does
// not import this one can declare it either (`Close() error` could be io.Closer's, reached from
// any package the fake is handed to). What is left is a value handed to another package as `any`
// and asserted there to an interface naming this package's types: test code does not do that.
import type { FileView, GoNode, Unit } from "../../src/analyzer/types.js";

export function uncalledTestMethod(unit: Unit): boolean {
  if (unit.kind !== "method" || !unit.file.isTest || !unit.file.packageComplete()) return false;
  const name = unit.node.childForFieldName("name")?.text;
  const recv = unit.node.childForFieldName("receiver")?.namedChildren.find((p) => p?.type === "parameter_declaration")?.childForFieldName("type");
  const type = recv ? receiverType(recv) : undefined;
  if (!name || !type || !/^[a-z_]/.test(type)) return false;
  const files = [unit.file, ...unit.file.packageFiles()];
  const declaring = files.find((f) => f.decls.some((d) => d.kind === "type" && d.names.includes(type)));
  if (!declaring?.isTest) return false;
  if (!namesPackageType(unit, files)) return false;
  const selected = new RegExp(`\\.\\s*${name}\\b`);
  if (files.some((f) => selected.test(f.source))) return false;
  return !files.some((f) => f.source.includes("interface") && interfaceMayDeclare(f, name));
}

/** `T`, `*T`, `T[K]`, `*T[K]` → "T". */
function receiverType(t: GoNode): string | undefined {
  let n: GoNode | null = t;
  if (n.type === "pointer_type") n = n.namedChildren[0] ?? null;
  if (n?.type === "generic_type") n = n.childForFieldName("type");
  return n?.type === "type_identifier" ? n.text : undefined;
}

/** A parameter or result type of the method names a type declared in the package. */
function namesPackageType(unit: Unit, files: readonly FileView[]): boolean {
  const types = new Set(files.flatMap((f) => f.decls.filter((d) => d.kind === "type").flatMap((d) => d.names)));
  const parts = [unit.node.childForFieldName("parameters"), unit.node.childForFieldName("result")];
  return parts.some((p) => {
    if (!p) return false;
    const ids = p.type === "type_identifier" ? [p] : p.descendantsOfType("type_identifier");
    // A qualified name (`pkg.T`) is another package's type, whatever its name.
    return ids.some((id) => !!id && id.parent?.type !== "qualified_type" && types.has(id.text));
  });
}

/** An interface type of the file declares `name`, or embeds another package's interface. */
function interfaceMayDeclare(file: FileView, name: string): boolean {
  return file.memo(`recv-leak.interfaceMayDeclare:${name}`, () =>
    file.wholeRoot().descendantsOfType("interface_type").some((it) =>
      (it?.namedChildren ?? []).some((el) => {
        if (!el) return false;
        if (el.type === "method_elem" || el.type === "method_spec") return el.childForFieldName("name")?.text === name;
        return el.descendantsOfType("qualified_type").length > 0 || el.type === "qualified_type";
      }),
    ),
  );
}
