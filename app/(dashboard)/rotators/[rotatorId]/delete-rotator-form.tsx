"use client";
import { deleteRotatorAction } from "../actions";
import { ConfirmDeleteForm } from "@/components/ui/confirm-delete-form";

export function DeleteRotatorForm({ rotatorId, name }: { rotatorId: string; name: string }) {
  return (
    <ConfirmDeleteForm what="rotator" name={name} idField="rotatorId" id={rotatorId} action={deleteRotatorAction}>
      <p className="muted">Deletes the stored credentials and configuration. The users or keys at the target are left as they are.</p>
    </ConfirmDeleteForm>
  );
}
