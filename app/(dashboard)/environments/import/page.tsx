import Link from "next/link";
import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { EscImportForm } from "./esc-import-form";

export const metadata = { title: "Import from Pulumi ESC" };

export default async function ImportEscPage() {
  await connection();
  await requirePageUser("admin");
  return (
    <>
      <p><Link href="/environments">← Environments</Link></p>
      <h1>Import from Pulumi ESC</h1>
      <p className="muted">
        Paste or upload ESC environment definitions (<code>esc env get &lt;org&gt;/&lt;project&gt;/&lt;env&gt; --definition --show-secrets</code>).
        Each file becomes an environment; give the managing-credentials environment together with the environments that reference it.
        Nothing is created until you have seen the preview, and then everything is created at once, or nothing.
      </p>
      <EscImportForm />
    </>
  );
}
