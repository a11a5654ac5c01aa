//! The allocations list's state: facet filters, search, sort and the filter expression sent
//! to the agent, all kept in the page URL, and the application of the first three to tens of thousands of rows (indices, never copies).

use crate::model::route::{filter_expression, FILTER};
use nomad_api::{AllocationListStub, TaskRestarts};
use std::cmp::Ordering;
use std::sync::Arc;

/// A row of the allocations list: Nomad's `AllocListStub` with each task's state read only
/// for its restarts, the one part of it the list shows; the rest of every task's state and its
/// events are skipped unread (their decoder is not in the first load, and 100,000 rows stay
/// small).
pub type AllocationRow = AllocationListStub<TaskRestarts>;

/// A sortable column, named in the URL as `sort=<key>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Column {
    Id,
    Name,
    Job,
    Group,
    Node,
    Status,
    Desired,
    Version,
    Restarts,
    Created,
    #[default]
    Modified,
}

impl Column {
    pub const ALL: [Column; 11] = [
        Column::Id,
        Column::Name,
        Column::Job,
        Column::Group,
        Column::Node,
        Column::Status,
        Column::Desired,
        Column::Version,
        Column::Restarts,
        Column::Created,
        Column::Modified,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Column::Id => "id",
            Column::Name => "name",
            Column::Job => "job",
            Column::Group => "group",
            Column::Node => "node",
            Column::Status => "status",
            Column::Desired => "desired",
            Column::Version => "version",
            Column::Restarts => "restarts",
            Column::Created => "created",
            Column::Modified => "modified",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Column::Id => "ID",
            Column::Name => "Name",
            Column::Job => "Job",
            Column::Group => "Group",
            Column::Node => "Node",
            Column::Status => "Status",
            Column::Desired => "Desired",
            Column::Version => "Version",
            Column::Restarts => "Restarts",
            Column::Created => "Created",
            Column::Modified => "Modified",
        }
    }

    fn from_key(key: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.key() == key)
    }

    /// Times and counts read best newest/largest first.
    pub fn descending_by_default(self) -> bool {
        matches!(self, Column::Created | Column::Modified | Column::Restarts | Column::Version)
    }
}

/// A facet: a field whose values filter the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facet {
    Status,
    Job,
    Node,
    Group,
}

impl Facet {
    pub const ALL: [Facet; 4] = [Facet::Status, Facet::Job, Facet::Node, Facet::Group];

    /// The URL parameter, repeated once per selected value.
    pub fn key(self) -> &'static str {
        match self {
            Facet::Status => "status",
            Facet::Job => "job",
            Facet::Node => "node",
            Facet::Group => "group",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Facet::Status => "Status",
            Facet::Job => "Job",
            Facet::Node => "Node",
            Facet::Group => "Group",
        }
    }

    /// The value filtered on (nodes by ID: names need not be unique).
    pub fn value(self, a: &AllocationRow) -> &str {
        match self {
            Facet::Status => &a.client_status,
            Facet::Job => &a.job_id,
            Facet::Node => &a.node_id,
            Facet::Group => &a.task_group,
        }
    }

    /// What the value is shown as.
    pub fn label(self, a: &AllocationRow) -> String {
        match self {
            Facet::Node if !a.node_name.is_empty() => a.node_name.clone(),
            _ => self.value(a).to_string(),
        }
    }
}

/// A facet value with the number of rows it would show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetValue {
    pub value: String,
    pub label: String,
    pub count: usize,
    pub selected: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllocFilter {
    /// Selected values per facet, in `Facet::ALL` order; none selected: no filter.
    pub facets: [Vec<String>; 4],
    /// An ID prefix or a part of the name, case-insensitive (`q`).
    pub search: String,
    pub sort: Column,
    pub descending: bool,
    /// The filter expression the agent applies (`filter=`); empty is none. Rows arrive
    /// already filtered by it, so `apply` does not read it.
    pub expression: String,
}

pub const SEARCH: &str = "q";
pub const SORT: &str = "sort";
pub const ORDER: &str = "order";

/// Every URL parameter the list's state owns: the facets', the search's, the sort's and the
/// filter expression's.
pub fn query_keys() -> impl Iterator<Item = &'static str> {
    Facet::ALL.into_iter().map(Facet::key).chain([SEARCH, SORT, ORDER, FILTER])
}

impl AllocFilter {
    /// From the URL query (`get_all` returns every value of a key).
    pub fn from_query(get_all: impl Fn(&str) -> Vec<String>) -> Self {
        let first = |k: &str| get_all(k).into_iter().next().unwrap_or_default();
        let sort = Column::from_key(&first(SORT)).unwrap_or_default();
        let descending = match first(ORDER).as_str() {
            "asc" => false,
            "desc" => true,
            _ => sort.descending_by_default(),
        };
        AllocFilter {
            facets: Facet::ALL.map(|f| get_all(f.key()).into_iter().filter(|v| !v.is_empty()).collect()),
            search: first(SEARCH).trim().to_string(),
            sort,
            descending,
            expression: filter_expression(get_all(FILTER).last().map(String::as_str)).unwrap_or_default(),
        }
    }

    /// The URL query, leaving defaults out so links stay short.
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        for (facet, values) in Facet::ALL.iter().zip(&self.facets) {
            q.extend(values.iter().map(|v| (facet.key(), v.clone())));
        }
        if !self.search.is_empty() {
            q.push((SEARCH, self.search.clone()));
        }
        if self.sort != Column::default() {
            q.push((SORT, self.sort.key().to_string()));
        }
        if self.descending != self.sort.descending_by_default() {
            q.push((ORDER, if self.descending { "desc" } else { "asc" }.to_string()));
        }
        if !self.expression.is_empty() {
            q.push((FILTER, self.expression.clone()));
        }
        q
    }

    pub fn selected(&self, facet: Facet) -> &[String] {
        &self.facets[facet as usize]
    }

    /// Selects or deselects one value of a facet.
    pub fn toggle(&mut self, facet: Facet, value: &str) {
        let values = &mut self.facets[facet as usize];
        if let Some(at) = values.iter().position(|v| v == value) {
            values.remove(at);
        } else {
            values.push(value.to_string());
        }
    }

    /// Sorting by the current column flips the order; another column starts at its default.
    pub fn sort_by(&mut self, column: Column) {
        if self.sort == column {
            self.descending = !self.descending;
        } else {
            self.sort = column;
            self.descending = column.descending_by_default();
        }
    }

    /// An ID prefix or a part of the name, ASCII case ignored; nothing is allocated per row
    /// (a search runs over every row of the list, 100,000 of them on a large cluster).
    fn matches_search(&self, a: &AllocationRow) -> bool {
        let needle = self.search.as_bytes();
        if needle.is_empty() {
            return true;
        }
        let id = a.id.as_bytes();
        let name = a.name.as_bytes();
        (id.len() >= needle.len() && id[..needle.len()].eq_ignore_ascii_case(needle))
            || (name.len() >= needle.len() && name.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle)))
    }

    fn matches_except(&self, a: &AllocationRow, skip: Option<Facet>) -> bool {
        Facet::ALL
            .iter()
            .zip(&self.facets)
            .all(|(f, values)| Some(*f) == skip || values.is_empty() || values.iter().any(|v| v == f.value(a)))
            && self.matches_search(a)
    }

    pub fn matches(&self, a: &AllocationRow) -> bool {
        self.matches_except(a, None)
    }

    /// Indices of the matching rows in display order.
    pub fn apply(&self, rows: &[Arc<AllocationRow>]) -> Vec<usize> {
        self.apply_after(rows, &[])
    }

    /// As [`AllocFilter::apply`], starting from `previous`, the order shown before. A live
    /// list keeps each row at its index when it changes (`model::feed`), so after a few events
    /// the previous order is nearly right, and the sort (adaptive: it finds the runs) costs
    /// about one pass instead of a full sort of 100,000 rows. Any `previous` gives the same
    /// result; a wrong one is only slower.
    pub fn apply_after(&self, rows: &[Arc<AllocationRow>], previous: &[usize]) -> Vec<usize> {
        let mut seen = vec![false; rows.len()];
        let mut shown: Vec<usize> = Vec::with_capacity(rows.len());
        for i in previous.iter().copied().chain(0..rows.len()).filter(|&i| i < rows.len()) {
            if !seen[i] {
                seen[i] = true;
                if self.matches(&rows[i]) {
                    shown.push(i);
                }
            }
        }
        self.sort_rows(rows, shown)
    }

    /// Sorts `shown` by the column, then by ID. The keys are taken out first: comparing them
    /// in one contiguous vector, rather than reaching through each row, is what keeps a sort
    /// of 100,000 rows under 100 ms.
    fn sort_rows(&self, rows: &[Arc<AllocationRow>], shown: Vec<usize>) -> Vec<usize> {
        // One sort for every column, the key's comparison passed as a function pointer: a
        // sort is large in wasm, and one per column would be eleven of them on the first load.
        type Keyed<'a> = (&'a str, i64, &'a str, usize);
        type TextKey = fn(&AllocationRow) -> &str;
        type NumberKey = fn(&AllocationRow) -> i64;
        fn text(a: &Keyed, b: &Keyed) -> Ordering {
            a.0.cmp(b.0)
        }
        fn natural_text(a: &Keyed, b: &Keyed) -> Ordering {
            natural(a.0, b.0)
        }
        fn number(a: &Keyed, b: &Keyed) -> Ordering {
            a.1.cmp(&b.1)
        }
        let (text_key, number_key): (TextKey, NumberKey) = match self.sort {
            Column::Id => (|a| &a.id, |_| 0),
            Column::Name => (|a| &a.name, |_| 0),
            Column::Job => (|a| &a.job_id, |_| 0),
            Column::Group => (|a| &a.task_group, |_| 0),
            Column::Node => (|a| &a.node_name, |_| 0),
            Column::Status => (|a| &a.client_status, |_| 0),
            Column::Desired => (|a| &a.desired_status, |_| 0),
            Column::Version => (|_| "", |a| i64::try_from(a.job_version).unwrap_or(i64::MAX)),
            // No task states (none listed) sorts first, as `None` does.
            Column::Restarts => (|_| "", |a| restarts(a).map_or(-1, |r| i64::try_from(r).unwrap_or(i64::MAX))),
            Column::Created => (|_| "", |a| a.create_time.0),
            Column::Modified => (|_| "", |a| a.modify_time.0),
        };
        let cmp: fn(&Keyed, &Keyed) -> Ordering = match self.sort {
            Column::Name => natural_text,
            Column::Version | Column::Restarts | Column::Created | Column::Modified => number,
            _ => text,
        };
        let mut keyed: Vec<Keyed> =
            shown.iter().map(|&i| (text_key(&rows[i]), number_key(&rows[i]), rows[i].id.as_str(), i)).collect();
        let descending = self.descending;
        keyed.sort_by(|a, b| {
            let ord = cmp(a, b);
            let ord = if descending { ord.reverse() } else { ord };
            ord.then_with(|| a.2.cmp(b.2))
        });
        keyed.into_iter().map(|k| k.3).collect()
    }

    /// A facet's values with counts under every other active filter (selecting a value
    /// shows exactly that many rows), most frequent first; selected values are always listed.
    pub fn facet_values(&self, rows: &[Arc<AllocationRow>], facet: Facet) -> Vec<FacetValue> {
        let mut counts: std::collections::HashMap<&str, (usize, &AllocationRow)> = std::collections::HashMap::new();
        for a in rows.iter().map(Arc::as_ref).filter(|a| self.matches_except(a, Some(facet))) {
            counts.entry(facet.value(a)).or_insert((0, a)).0 += 1;
        }
        let selected = self.selected(facet);
        let mut values: Vec<FacetValue> = counts
            .into_iter()
            .map(|(value, (count, sample))| FacetValue {
                value: value.to_string(),
                label: facet.label(sample),
                count,
                selected: selected.iter().any(|s| s == value),
            })
            .collect();
        for s in selected {
            if !values.iter().any(|v| &v.value == s) {
                values.push(FacetValue { value: s.clone(), label: s.clone(), count: 0, selected: true });
            }
        }
        values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
        values
    }
}

/// Total restarts over the task states, when the list carries them.
pub fn restarts(a: &AllocationRow) -> Option<u64> {
    a.task_states.as_ref().map(|states| states.values().map(|t| t.restarts).sum())
}

/// The order [`AllocFilter::sort_rows`] gives, compared row by row (the tests' reference).
#[cfg(test)]
fn compare(column: Column, a: &AllocationRow, b: &AllocationRow) -> Ordering {
    match column {
        Column::Id => a.id.cmp(&b.id),
        Column::Name => natural(&a.name, &b.name),
        Column::Job => a.job_id.cmp(&b.job_id),
        Column::Group => a.task_group.cmp(&b.task_group),
        Column::Node => a.node_name.cmp(&b.node_name),
        Column::Status => a.client_status.cmp(&b.client_status),
        Column::Desired => a.desired_status.cmp(&b.desired_status),
        Column::Version => a.job_version.cmp(&b.job_version),
        Column::Restarts => restarts(a).cmp(&restarts(b)),
        Column::Created => a.create_time.cmp(&b.create_time),
        Column::Modified => a.modify_time.cmp(&b.modify_time),
    }
}

/// Names end in an index (`web.api[10]`): compare digit runs as numbers so `[2]` < `[10]`.
fn natural(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return Ordering::Equal,
            (None, _) => return Ordering::Less,
            (_, None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let nx = x.iter().take_while(|c| c.is_ascii_digit()).count();
                let ny = y.iter().take_while(|c| c.is_ascii_digit()).count();
                let (dx, dy) = (trim_zeros(&x[..nx]), trim_zeros(&y[..ny]));
                let ord = dx.len().cmp(&dy.len()).then_with(|| dx.cmp(dy));
                if ord != Ordering::Equal {
                    return ord;
                }
                x = &x[nx..];
                y = &y[ny..];
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|c| **c == b'0').count();
    &digits[zeros.min(digits.len().saturating_sub(1))..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use nomad_api::NanoTime;
    use proptest::prelude::*;

    proptest! {
        /// Whatever order it starts from, the result is the full sort's.
        #[test]
        fn any_previous_order_gives_the_same_rows(
            modified in proptest::collection::vec(0i64..20, 0..60),
            previous in proptest::collection::vec(0usize..80, 0..80),
            column in 0usize..Column::ALL.len(),
            descending: bool,
        ) {
            let rows: Vec<Arc<AllocationRow>> = modified
                .iter()
                .enumerate()
                .map(|(i, &m)| Arc::new(alloc(&format!("{i:02}"), &format!("n{}", m % 3), "web", ["running", "failed"][i % 2], ("n1", "node-1"), m)))
                .collect();
            let filter = AllocFilter { sort: Column::ALL[column], descending, ..AllocFilter::default() };
            prop_assert_eq!(filter.apply_after(&rows, &previous), filter.apply(&rows));
            let mut reference: Vec<usize> = (0..rows.len()).collect();
            reference.sort_by(|&x, &y| {
                let ord = compare(filter.sort, &rows[x], &rows[y]);
                let ord = if filter.descending { ord.reverse() } else { ord };
                ord.then_with(|| rows[x].id.cmp(&rows[y].id))
            });
            prop_assert_eq!(filter.apply(&rows), reference);
            let mut running = filter.clone();
            running.toggle(Facet::Status, "running");
            let shown = filter.apply(&rows);
            prop_assert_eq!(running.apply_after(&rows, &shown), running.apply(&rows));
        }
    }

    fn alloc(id: &str, name: &str, job: &str, status: &str, node: (&str, &str), modified: i64) -> AllocationRow {
        AllocationRow {
            id: id.into(),
            name: name.into(),
            job_id: job.into(),
            task_group: "g".into(),
            client_status: status.into(),
            node_id: node.0.into(),
            node_name: node.1.into(),
            modify_time: NanoTime(modified),
            ..Default::default()
        }
    }

    fn rows() -> Vec<Arc<AllocationRow>> {
        [
            alloc("aa11", "web.api[10]", "web", "running", ("n1", "alpha"), 30),
            alloc("bb22", "web.api[2]", "web", "failed", ("n2", "beta"), 10),
            alloc("cc33", "batch.run[0]", "batch", "complete", ("n1", "alpha"), 20),
            alloc("dd44", "web.api[1]", "web", "running", ("n2", "beta"), 40),
        ]
        .into_iter()
        .map(Arc::new)
        .collect()
    }

    fn ids(rows: &[Arc<AllocationRow>], shown: &[usize]) -> Vec<String> {
        shown.iter().map(|&i| rows[i].id.clone()).collect()
    }

    #[test]
    fn url_round_trip_leaves_defaults_out() {
        let f = AllocFilter::default();
        assert_eq!(AllocFilter::from_query(|_| vec![]), AllocFilter { descending: true, ..f.clone() });
        assert!(AllocFilter::from_query(|_| vec![]).to_query().is_empty());
        let mut f = AllocFilter::from_query(|_| vec![]);
        f.toggle(Facet::Status, "running");
        f.toggle(Facet::Status, "failed");
        f.toggle(Facet::Job, "web");
        f.search = "web.api".into();
        f.sort_by(Column::Name);
        let q = f.to_query();
        assert_eq!(
            q,
            vec![
                ("status", "running".to_string()),
                ("status", "failed".to_string()),
                ("job", "web".to_string()),
                ("q", "web.api".to_string()),
                ("sort", "name".to_string()),
            ]
        );
        let back = AllocFilter::from_query(|k| q.iter().filter(|(key, _)| *key == k).map(|(_, v)| v.clone()).collect());
        assert_eq!(back, f);
        f.sort_by(Column::Name);
        assert!(f.to_query().contains(&("order", "desc".to_string())));
    }

    /// The filter expression is kept in the URL as `filter=`, trimmed, and left out when
    /// empty; it does not filter the rows here (the agent did).
    #[test]
    fn the_filter_expression_round_trips_and_is_not_applied_here() {
        let expression = r#"JobID matches "^billing-" and ClientStatus == "failed""#;
        let mut f = AllocFilter::from_query(|_| vec![]);
        f.toggle(Facet::Status, "running");
        f.expression = expression.into();
        let q = f.to_query();
        assert_eq!(q, vec![("status", "running".to_string()), ("filter", expression.to_string())]);
        let back = AllocFilter::from_query(|k| q.iter().filter(|(key, _)| *key == k).map(|(_, v)| v.clone()).collect());
        assert_eq!(back, f);
        let padded = AllocFilter::from_query(|k| if k == "filter" { vec![format!(" {expression}\n")] } else { vec![] });
        assert_eq!(padded.expression, expression);
        let blank = AllocFilter::from_query(|k| if k == "filter" { vec!["  ".into()] } else { vec![] });
        assert!(blank.to_query().is_empty());
        let rows = rows();
        let mut all = AllocFilter::from_query(|_| vec![]);
        all.expression = "JobID == \"nothing\"".into();
        assert_eq!(all.apply(&rows).len(), rows.len());
        let keys: Vec<&str> = query_keys().collect();
        assert_eq!(keys, ["status", "job", "node", "group", "q", "sort", "order", "filter"]);
    }

    #[test]
    fn garbage_in_the_url_falls_back_to_defaults() {
        let f = AllocFilter::from_query(|k| match k {
            "sort" => vec!["bogus".into()],
            "order" => vec!["sideways".into()],
            "status" => vec!["".into()],
            _ => vec![],
        });
        assert_eq!(f.sort, Column::Modified);
        assert!(f.descending);
        assert!(f.selected(Facet::Status).is_empty());
    }

    #[test]
    fn filters_searches_and_sorts() {
        let rows = rows();
        let mut f = AllocFilter::from_query(|_| vec![]);
        assert_eq!(ids(&rows, &f.apply(&rows)), ["dd44", "aa11", "cc33", "bb22"]);
        f.sort_by(Column::Name);
        assert_eq!(ids(&rows, &f.apply(&rows)), ["cc33", "dd44", "bb22", "aa11"]);
        f.toggle(Facet::Job, "web");
        f.toggle(Facet::Status, "running");
        assert_eq!(ids(&rows, &f.apply(&rows)), ["dd44", "aa11"]);
        f.search = "AA1".into();
        assert_eq!(ids(&rows, &f.apply(&rows)), ["aa11"]);
        f.search = "a1".into();
        assert_eq!(ids(&rows, &f.apply(&rows)), Vec::<String>::new(), "IDs match by prefix only");
        f.search = "API[1".into();
        assert_eq!(ids(&rows, &f.apply(&rows)), ["dd44", "aa11"]);
    }

    #[test]
    fn facet_counts_ignore_their_own_selection() {
        let rows = rows();
        let mut f = AllocFilter::from_query(|_| vec![]);
        f.toggle(Facet::Status, "running");
        let status = f.facet_values(&rows, Facet::Status);
        assert_eq!(
            status[0],
            FacetValue { value: "running".into(), label: "running".into(), count: 2, selected: true }
        );
        assert_eq!(status.len(), 3);
        let nodes = f.facet_values(&rows, Facet::Node);
        assert_eq!(nodes.iter().map(|v| (v.label.as_str(), v.count)).collect::<Vec<_>>(), [("alpha", 1), ("beta", 1)]);
        f.toggle(Facet::Job, "gone");
        let jobs = f.facet_values(&rows, Facet::Job);
        assert!(jobs.iter().any(|v| v.value == "gone" && v.selected && v.count == 0));
    }

    #[test]
    fn natural_order() {
        assert_eq!(natural("a[2]", "a[10]"), Ordering::Less);
        assert_eq!(natural("a[010]", "a[10]"), Ordering::Equal);
        assert_eq!(natural("b", "a[10]"), Ordering::Greater);
        assert_eq!(natural("a", "a1"), Ordering::Less);
    }
}
