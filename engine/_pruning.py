"""Keep the task tree small: history lives in our audit trail, not in Spiff's tree.

SpiffWorkflow keeps every task it ever ran. A loop around a user task deepens
the tree by a few tasks per turn, so step cost grows with history and, past a
depth of 1,000, ``get_tasks`` silently stops seeing the ready tasks (a loop
quietly dies after ~333 turns). After every step we therefore:

1. drop finished branches that lead nowhere (cancelled subtrees, and completed
   subtrees with no unfinished task below them, which are dead ends of parallel
   branches or of interrupted boundary events), and
2. splice out completed tasks that have exactly one child, re-parenting the
   child to the grandparent.

What Spiff still needs is kept: the root and its first child, tasks that own a
subprocess, splits whose structured join is still waiting (boundary events,
found with ``find_ancestor``), and the parents of unfinished joins (parallel and
inclusive gateways check ``join_task.parent``). While a join waits, its
finished twins and their parents stay too: each branch that reaches a join
adds a join task and cancels the waiting one, and the gateway counts the
branches that arrived from those cancelled twins' parents (a third branch
would otherwise wait for ever for the first). Children that are only
predicted (MAYBE/LIKELY/FUTURE) keep their parent, since they inherit its data
when they become ready.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState

_FINISHED = TaskState.COMPLETED | TaskState.CANCELLED
_SETTLED = (
    TaskState.COMPLETED | TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
)


def prune(workflow: BpmnWorkflow) -> int:
    """Prune the top workflow and its subprocesses; return how many tasks were removed."""
    if workflow.completed:
        return 0
    removed = _prune_one(workflow, protected=set(workflow.subprocesses))
    for sub in workflow.subprocesses.values():
        removed += _prune_one(sub, protected=set(workflow.subprocesses))
    return removed


def _prune_one(wf: Any, protected: set[Any]) -> int:
    root = wf.task_tree
    keep = {root.id, *(c.id for c in root.children), *protected}
    if wf.last_task is not None:
        keep.add(wf.last_task.id)
    keep |= _arrivals_at_waiting_joins(wf)
    live_below = _live_counts(root)
    removed = _drop_dead_branches(wf, root, live_below, keep)
    keep |= _busy_splits(wf)
    removed += _splice_chains(wf, root, keep)
    return removed


def _live_counts(root: Any) -> dict[Any, bool]:
    """For every task: is there an unfinished task at or below it? (iterative, no recursion)"""
    order, stack = [], [root]
    while stack:
        task = stack.pop()
        order.append(task)
        stack.extend(task.children)
    live: dict[Any, bool] = {}
    for task in reversed(order):
        live[task.id] = (not task.has_state(_FINISHED)) or any(live[c.id] for c in task.children)
    return live


def _drop_dead_branches(wf: Any, root: Any, live: dict[Any, bool], keep: set[Any]) -> int:
    """Below live tasks, delete child subtrees in which every task is finished."""
    removed = 0
    stack = [root] if live[root.id] else []
    while stack:
        task = stack.pop()
        dead = [c for c in task.children if not live[c.id] and not _subtree_kept(c, keep)]
        for child in dead:
            removed += _delete_subtree(wf, child)
        if dead:
            task._children = [c for c in task._children if c in wf.tasks]
        stack.extend(c for c in task.children if live[c.id])
    return removed


def _subtree_kept(task: Any, keep: set[Any]) -> bool:
    stack = [task]
    while stack:
        t = stack.pop()
        if t.id in keep:
            return True
        stack.extend(t.children)
    return False


def _delete_subtree(wf: Any, task: Any) -> int:
    count, stack = 0, [task]
    while stack:
        t = stack.pop()
        stack.extend(t.children)
        wf.tasks.pop(t.id, None)
        count += 1
    return count


def _arrivals_at_waiting_joins(wf: Any) -> set[Any]:
    """Ids of the finished twins of a waiting join, and of their parents.

    They are dropped with the rest of their branch once the join has fired.
    """
    tasks = wf.tasks.values()
    waiting = {  # WAITING, not merely predicted: a loop's next turn must not pin this one's
        t.task_spec.name
        for t in tasks
        if isinstance(t.task_spec, Join) and t.state == TaskState.WAITING
    }
    ids = set()
    for task in tasks:
        if task.task_spec.name in waiting and task.has_state(_FINISHED):
            ids.add(task.id)
            if task.parent is not None:
                ids.add(task.parent.id)
    return ids


def _busy_splits(wf: Any) -> set[Any]:
    """Ids of the split tasks that unfinished structured joins will look up."""
    ids = set()
    for task in wf.tasks.values():
        spec = task.task_spec
        split = getattr(spec, "split_task", None)
        if split and isinstance(spec, Join) and not task.has_state(_FINISHED):
            ancestor = task.parent
            while ancestor is not None and ancestor.task_spec.name != split:
                ancestor = ancestor.parent
            if ancestor is not None:
                ids.add(ancestor.id)
    return ids


def _splice_chains(wf: Any, root: Any, keep: set[Any]) -> int:
    removed = 0
    stack = list(root.children)
    while stack:
        task = stack.pop()
        while _can_splice(task, keep):
            child = task.children[0]
            parent = task.parent
            parent._children = [child.id if c == task.id else c for c in parent._children]
            child._parent = parent.id
            del wf.tasks[task.id]
            removed += 1
            task = child
        stack.extend(task.children)
    return removed


def _can_splice(task: Any, keep: set[Any]) -> bool:
    if task.id in keep or task.state != TaskState.COMPLETED or len(task._children) != 1:
        return False
    child = task.children[0]
    if not child.has_state(_SETTLED):
        return False
    return not (isinstance(child.task_spec, Join) and not child.has_state(_FINISHED))
